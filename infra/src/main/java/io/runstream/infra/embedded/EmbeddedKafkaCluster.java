package io.runstream.infra.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KRaft cluster of several nodes in this JVM (each a broker and a controller voter), for fault
 * tests that a single broker cannot express: replication factor 3, {@code min.insync.replicas=2},
 * one node killed and brought back. A node is stopped without a controlled shutdown, as a crash
 * would leave it: its partitions' leadership moves only when the controller stops hearing from it
 * ({@code broker.session.timeout.ms}, 3 s here).
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

  private final List<KafkaConfig> configs;
  private final KafkaRaftServer[] servers;
  private final String bootstrapServers;

  private EmbeddedKafkaCluster(
      List<KafkaConfig> configs, KafkaRaftServer[] servers, String bootstrapServers) {
    this.configs = configs;
    this.servers = servers;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Formats and starts {@code nodes} nodes (ids 1..nodes) under {@code dir}, with internal topics
   * replicated to every node (at most 3) and {@code min.insync.replicas} one less.
   */
  public static EmbeddedKafkaCluster start(Path dir, int nodes) throws IOException {
    int[] ports = EmbeddedKafkaBroker.freePorts(2 * nodes);
    int replicas = Math.min(3, nodes);
    String minIsr = Integer.toString(Math.max(1, replicas - 1));
    StringBuilder voters = new StringBuilder();
    StringBuilder bootstrap = new StringBuilder();
    for (int i = 0; i < nodes; i++) {
      voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(ports[2 * i + 1]);
      bootstrap.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports[2 * i]);
    }
    String clusterId = Uuid.randomUuid().toString();
    List<KafkaConfig> configs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Path logDir = Files.createDirectories(dir.resolve("node-" + (i + 1)));
      Map<String, Object> props = new HashMap<>();
      props.put("process.roles", "broker,controller");
      props.put("node.id", Integer.toString(i + 1));
      props.put("controller.quorum.voters", voters.toString());
      props.put(
          "listeners",
          "PLAINTEXT://127.0.0.1:" + ports[2 * i] + ",CONTROLLER://127.0.0.1:" + ports[2 * i + 1]);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports[2 * i]);
      props.put("controller.listener.names", "CONTROLLER");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("log.dirs", logDir.toAbsolutePath().toString());
      props.put("auto.create.topics.enable", "false");
      props.put("default.replication.factor", Integer.toString(replicas));
      props.put("min.insync.replicas", minIsr);
      props.put("offsets.topic.replication.factor", Integer.toString(replicas));
      props.put("offsets.topic.num.partitions", "4");
      props.put("transaction.state.log.replication.factor", Integer.toString(replicas));
      props.put("transaction.state.log.min.isr", minIsr);
      props.put("transaction.state.log.num.partitions", "4");
      props.put("share.coordinator.state.topic.replication.factor", Integer.toString(replicas));
      props.put("share.coordinator.state.topic.min.isr", minIsr);
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("controller.quorum.append.linger.ms", "1");
      props.put("controlled.shutdown.enable", "false");
      props.put("broker.session.timeout.ms", "3000");
      props.put("broker.heartbeat.interval.ms", "500");
      props.put("replica.lag.time.max.ms", "3000");
      props.put("num.network.threads", "2");
      props.put("num.io.threads", "2");
      props.put("num.replica.fetchers", "1");
      KafkaConfig config = new KafkaConfig(props);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        EmbeddedKafkaBroker.format(config, logDir, clusterId);
      }
      configs.add(config);
    }
    KafkaRaftServer[] servers = new KafkaRaftServer[nodes];
    long started = System.nanoTime();
    // A node's start waits for the controller quorum, which needs a majority of the nodes: start
    // them together.
    List<CompletableFuture<Void>> starting = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      int node = i;
      starting.add(
          CompletableFuture.runAsync(
              () -> {
                servers[node] = new KafkaRaftServer(configs.get(node), Time.SYSTEM);
                servers[node].startup();
              }));
    }
    CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).join();
    EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(configs, servers, bootstrap.toString());
    cluster.awaitNodes(nodes, Duration.ofSeconds(60));
    LOG.info(
        "Kafka KRaft cluster of {} nodes ready on {} in {} ms",
        nodes,
        bootstrap,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return cluster;
  }

  /** The {@code bootstrap.servers} value that reaches every node. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** An admin client of the cluster; the caller closes it. */
  public Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return Admin.create(props);
  }

  /** Creates topics and waits until every partition has a leader and a full in-sync replica set. */
  public void createTopics(List<NewTopic> topics, Duration timeout) {
    try (Admin admin = admin()) {
      EmbeddedKafkaBroker.createTopics(
          admin, topics, timeout, p -> p.isr().size() == p.replicas().size());
    }
  }

  /** The node id leading a partition, or -1 if it has no leader. */
  public int leaderOf(String topic, int partition) {
    try (Admin admin = admin()) {
      TopicPartitionInfo info =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get(10, TimeUnit.SECONDS)
              .get(topic)
              .partitions()
              .get(partition);
      return info.leader() == null || info.leader().isEmpty() ? -1 : info.leader().id();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe " + topic, e);
    }
  }

  /**
   * Stops node {@code id} as a crash would: no controlled shutdown, no handing over of its
   * leaderships.
   */
  public synchronized void kill(int id) {
    KafkaRaftServer server = servers[id - 1];
    if (server == null) {
      return;
    }
    servers[id - 1] = null;
    server.shutdown();
    server.awaitShutdown();
    LOG.info("Kafka node {} stopped", id);
  }

  /**
   * Starts node {@code id} again on its ports and logs, and waits until the cluster has every node
   * again.
   */
  public synchronized void restart(int id) {
    if (servers[id - 1] != null) {
      return;
    }
    KafkaRaftServer server = new KafkaRaftServer(configs.get(id - 1), Time.SYSTEM);
    server.startup();
    servers[id - 1] = server;
    awaitNodes(servers.length, Duration.ofSeconds(60));
    LOG.info("Kafka node {} back", id);
  }

  private void awaitNodes(int count, Duration timeout) {
    try (Admin admin = admin()) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        try {
          if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= count) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          // not yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the cluster does not have " + count + " nodes after " + timeout);
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the cluster", e);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < servers.length; i++) {
      if (servers[i] != null) {
        try {
          servers[i].shutdown();
          servers[i].awaitShutdown();
        } catch (RuntimeException e) {
          LOG.warn("Kafka node {} did not stop cleanly", i + 1, e);
        }
        servers[i] = null;
      }
    }
  }
}
