package io.runstream.infra.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft combined mode (broker and controller), running in this
 * JVM from Kafka's own server classes. Topics are never auto-created; {@link #createTopics} waits
 * until the broker hosts every partition before it returns.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  private volatile KafkaRaftServer server;
  private final KafkaConfig config;
  private final String bootstrapServers;
  private final Path logDir;

  private EmbeddedKafkaBroker(
      KafkaRaftServer server, KafkaConfig config, String bootstrapServers, Path logDir) {
    this.server = server;
    this.config = config;
    this.bootstrapServers = bootstrapServers;
    this.logDir = logDir;
  }

  /**
   * Formats the log directory if it is new, and starts the broker.
   *
   * @param logDir where the broker keeps its logs and metadata; kept across restarts
   * @param port the client port; 0 picks a free one
   * @param overrides broker configuration that replaces the defaults
   */
  public static EmbeddedKafkaBroker start(Path logDir, int port, Map<String, String> overrides)
      throws IOException {
    Files.createDirectories(logDir);
    // Both picked while both are held open: two separate picks can get the same port back from the
    // OS.
    int[] free = port == 0 ? freePorts(2) : null;
    int clientPort = port == 0 ? free[0] : port;
    // A fixed client port gets the next port for the controller, so a kept log directory finds its
    // quorum again.
    int controllerPort = port == 0 ? free[1] : port + 1;
    Map<String, Object> props = new HashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logDir.toAbsolutePath().toString());
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("default.replication.factor", "1");
    props.put("min.insync.replicas", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    // Metadata changes (topic creation) commit in ~1 ms instead of the default linger.
    props.put("controller.quorum.append.linger.ms", "1");
    props.put("log.retention.hours", "168");
    props.put("num.network.threads", "2");
    props.put("num.io.threads", "4");
    props.putAll(overrides);
    KafkaConfig config = new KafkaConfig(props);
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(config, logDir);
    }
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    long started = System.nanoTime();
    server.startup();
    String bootstrap = "127.0.0.1:" + clientPort;
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, config, bootstrap, logDir);
    broker.awaitReady(Duration.ofSeconds(60));
    LOG.info(
        "Kafka KRaft broker ready on {} in {} ms (logs in {})",
        bootstrap,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        logDir);
    return broker;
  }

  private static void format(KafkaConfig config, Path logDir) throws IOException {
    format(config, logDir, Uuid.randomUuid().toString());
  }

  /**
   * Formats a node's log directory for cluster {@code clusterId} (every node of a cluster gets the
   * same id).
   */
  static void format(KafkaConfig config, Path logDir, String clusterId) throws IOException {
    Formatter formatter =
        new Formatter()
            .setClusterId(clusterId)
            .setNodeId(config.nodeId())
            .setControllerListenerName("CONTROLLER")
            .setMetadataLogDirectory(config.metadataLogDir())
            .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()));
    formatter.addDirectory(logDir.toAbsolutePath().toString());
    try {
      formatter.run();
    } catch (Exception e) {
      throw new IOException("could not format the Kafka log directory " + logDir, e);
    }
  }

  /** The {@code bootstrap.servers} value that reaches this broker. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The broker's log directory. */
  public Path logDir() {
    return logDir;
  }

  /** An admin client of this broker; the caller closes it. */
  public Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return Admin.create(props);
  }

  /**
   * Creates the topics that do not exist yet and waits until the broker hosts every partition of
   * each (a leader and an in-sync replica), so that records produced right after this returns are
   * not lost.
   */
  public void createTopics(List<NewTopic> topics, Duration timeout) {
    try (Admin admin = admin()) {
      createTopics(admin, topics, timeout, partition -> !partition.isr().isEmpty());
    }
  }

  /**
   * Creates the topics that do not exist yet and waits until every partition of each has a leader
   * and satisfies {@code hosted} (a single broker: an in-sync replica; a cluster: every replica in
   * sync).
   */
  static void createTopics(
      Admin admin, List<NewTopic> topics, Duration timeout, Predicate<TopicPartitionInfo> hosted) {
    try {
      List<NewTopic> missing = new ArrayList<>();
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      for (NewTopic topic : topics) {
        if (!existing.contains(topic.name())) {
          missing.add(topic);
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      awaitHosted(admin, topics.stream().map(NewTopic::name).toList(), timeout, hosted);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not create topics " + topics, e);
    }
  }

  private static void awaitHosted(
      Admin admin, List<String> names, Duration timeout, Predicate<TopicPartitionInfo> hosted)
      throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean ready;
      try {
        Map<String, TopicDescription> descriptions =
            admin
                .describeTopics(names)
                .allTopicNames()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        ready =
            descriptions.values().stream()
                .flatMap(d -> d.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty() && hosted.test(p));
      } catch (ExecutionException | TimeoutException e) {
        ready = false;
      }
      if (ready) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the brokers do not host every partition of " + names + " after " + timeout);
      }
      Thread.sleep(20);
    }
  }

  private void awaitReady(Duration timeout) {
    try (Admin admin = admin()) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        try {
          if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "the Kafka broker did not become ready in " + timeout, e);
          }
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the broker", e);
    }
  }

  /**
   * Stops the broker and starts it again on the same ports and logs, for restart tests; clients
   * reconnect by themselves.
   */
  public synchronized void restart() {
    server.shutdown();
    server.awaitShutdown();
    KafkaRaftServer fresh = new KafkaRaftServer(config, Time.SYSTEM);
    fresh.startup();
    server = fresh;
    awaitReady(Duration.ofSeconds(60));
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }

  /** {@code count} distinct free TCP ports on the loopback interface. */
  public static int[] freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        held.add(socket);
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : held) {
        socket.close();
      }
    }
  }

  /** A free TCP port on the loopback interface. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
