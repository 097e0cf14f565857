package io.runstream.infra.embedded;

import io.runstream.schemas.Topic;
import io.runstream.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: one Kafka broker and one PostgreSQL, with every topic of the catalogue
 * created.
 *
 * <p>{@link #shared()} gives the one instance per JVM that all integration tests use; it stops when
 * the JVM does.
 */
public final class EmbeddedPlatform implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPlatform.class);
  private static EmbeddedPlatform shared;

  private final EmbeddedKafkaBroker kafka;
  private final EmbeddedPostgresServer postgres;

  private EmbeddedPlatform(EmbeddedKafkaBroker kafka, EmbeddedPostgresServer postgres) {
    this.kafka = kafka;
    this.postgres = postgres;
  }

  /**
   * Starts the broker and PostgreSQL under {@code dataDir} and creates the catalogue's topics.
   *
   * @param dataDir where both keep their data ({@code kafka/}, {@code postgres/})
   * @param kafkaPort the broker's client port, 0 for a free one
   * @param postgresPort PostgreSQL's port, 0 for a free one
   * @param partitions the partition count of the chunk and request topics
   */
  public static EmbeddedPlatform start(
      Path dataDir, int kafkaPort, int postgresPort, int partitions) throws IOException {
    return start(dataDir, kafkaPort, postgresPort, partitions, partitions);
  }

  /**
   * Starts the broker and PostgreSQL under {@code dataDir} and creates the catalogue's topics, the
   * shared chunk topic with its own partition count.
   *
   * @param partitions the partition count of the request topic (and the others but the chunk topic)
   * @param chunkPartitions the partition count of the shared chunk topic: every partition of a
   *     produce request is a batch and a log append of its own, so fewer partitions carry the same
   *     deltas in fewer, fuller batches (the sinks' group cannot have more members at work than it
   *     has partitions)
   */
  public static EmbeddedPlatform start(
      Path dataDir, int kafkaPort, int postgresPort, int partitions, int chunkPartitions)
      throws IOException {
    EmbeddedKafkaBroker kafka =
        EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), kafkaPort, Map.of());
    EmbeddedPostgresServer postgres;
    try {
      postgres = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), postgresPort);
    } catch (IOException | RuntimeException e) {
      kafka.close();
      throw e;
    }
    EmbeddedPlatform platform = new EmbeddedPlatform(kafka, postgres);
    platform.createTopics(partitions, chunkPartitions);
    platform.removeLeftoverGroupMembers();
    return platform;
  }

  /**
   * Removes the consumer group members that the broker's kept metadata still lists: members of a
   * process that did not leave its groups (it was killed; the broker, in that process too,
   * restarted with it). Left in place, they would keep their partitions until their session timed
   * out (45 s): the sink, the worker and the usage roll-ups of this process would wait that long
   * before consuming. A live client of another process that was a member rejoins at once, as after
   * any rebalance.
   */
  private void removeLeftoverGroupMembers() {
    try (Admin admin = kafka.admin()) {
      List<String> groups =
          admin
              .listGroups(ListGroupsOptions.forConsumerGroups())
              .all()
              .get(60, TimeUnit.SECONDS)
              .stream()
              .map(GroupListing::groupId)
              .toList();
      if (groups.isEmpty()) {
        return;
      }
      List<String> removed = new ArrayList<>();
      int members = 0;
      for (ConsumerGroupDescription group :
          admin.describeConsumerGroups(groups).all().get(60, TimeUnit.SECONDS).values()) {
        if (group.members().isEmpty()) {
          continue;
        }
        RemoveMembersFromConsumerGroupOptions all = new RemoveMembersFromConsumerGroupOptions();
        all.reason("left by a previous process of this data directory");
        admin.removeMembersFromConsumerGroup(group.groupId(), all).all().get(60, TimeUnit.SECONDS);
        removed.add(group.groupId());
        members += group.members().size();
      }
      if (!removed.isEmpty()) {
        LOG.warn(
            "Removed {} consumer group member(s) that a previous process left in {} (it ended without leaving "
                + "them), so that this process's consumers take their partitions at once",
            members,
            removed);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing leftover group members", e);
    } catch (ExecutionException | TimeoutException e) {
      // Not fatal: the members' sessions time out by themselves.
      LOG.warn(
          "Could not remove the consumer group members a previous process left: {}",
          e.getMessage());
    }
  }

  /**
   * Stops what a previous process left running on {@code dataDir} when its JVM died without
   * stopping it, so that a start after a crash needs no manual step: its PostgreSQL ({@link
   * EmbeddedPostgresServer#stopLeftover}). The broker ran inside that JVM and ended with it; the
   * lock of its log directory ({@code kafka/.lock}) is a lock of the process, released by the
   * kernel, so the file it leaves is taken again as it is.
   *
   * @return whether something was stopped
   * @throws IOException with a one-line message if the directory is in use by a live process, or
   *     what was left does not stop
   */
  public static boolean stopLeftovers(Path dataDir) throws IOException {
    return EmbeddedPostgresServer.stopLeftover(dataDir.resolve("postgres"));
  }

  /** The one platform of this JVM, started on first use in a fresh directory, on free ports. */
  public static synchronized EmbeddedPlatform shared() {
    if (shared == null) {
      try {
        // Under the module's target/ when run by the build (removed by mvn clean), else the
        // temporary directory.
        Path target = Path.of("target");
        Path dir =
            Files.isDirectory(target)
                ? Files.createTempDirectory(target.toAbsolutePath(), "runstream-it-")
                : Files.createTempDirectory("runstream-it-");
        shared = start(dir, 0, 0, 4);
        EmbeddedPlatform platform = shared;
        Runtime.getRuntime()
            .addShutdownHook(new Thread(platform::closeQuickly, "embedded-platform-stop"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  private void createTopics(int partitions, int chunkPartitions) {
    // Run requests carry up to a 1 MiB body plus envelope: the topics accept 2 MiB records.
    List<NewTopic> topics =
        Topics.all().stream()
            .map(
                t ->
                    new NewTopic(
                            t.name(),
                            t == Topics.RUN_CHUNKS ? chunkPartitions : partitionsOf(t, partitions),
                            (short) 1)
                        .configs(configsOf(t)))
            .toList();
    kafka.createTopics(topics, Duration.ofSeconds(60));
  }

  private static Map<String, String> configsOf(Topic<?, ?> topic) {
    Map<String, String> configs = new HashMap<>(Topics.configsOf(topic));
    configs.put("max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
    return configs;
  }

  private static int partitionsOf(Topic<?, ?> topic, int partitions) {
    return topic.name().endsWith("-dlt") ? 1 : partitions;
  }

  /**
   * The properties that point a Runstream service at this platform: the broker's bootstrap servers
   * and the database's URL and credentials.
   */
  public Map<String, Object> serviceProperties() {
    return Map.of(
        "runstream.kafka.bootstrap-servers", kafka.bootstrapServers(),
        "spring.datasource.url", postgres.jdbcUrl(),
        "spring.datasource.username", postgres.username(),
        "spring.datasource.password", postgres.password());
  }

  /** The broker. */
  public EmbeddedKafkaBroker kafka() {
    return kafka;
  }

  /** PostgreSQL. */
  public EmbeddedPostgresServer postgres() {
    return postgres;
  }

  /**
   * Stops PostgreSQL (a separate process that must not outlive the JVM); for the test JVM's exit.
   * The in-process broker ends with the JVM: stopping it while the application contexts close their
   * clients in parallel only makes them wait, and removing its directory under it makes it halt the
   * JVM with an error.
   */
  void closeQuickly() {
    try {
      postgres.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("PostgreSQL did not stop cleanly", e);
    }
  }

  @Override
  public void close() {
    try {
      kafka.close();
    } catch (RuntimeException e) {
      LOG.warn("Kafka broker did not stop cleanly", e);
    }
    try {
      postgres.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("PostgreSQL did not stop cleanly", e);
    }
  }
}
