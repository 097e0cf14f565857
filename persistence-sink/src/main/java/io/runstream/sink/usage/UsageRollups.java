package io.runstream.sink.usage;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.kafka.KafkaClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the usage roll-ups' Kafka Streams application ({@link UsageTopology}) for the life of the
 * process.
 */
@Component
public class UsageRollups implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(UsageRollups.class);

  private final KafkaClients clients;
  private final ChunkLayout layout;
  private final UsageProperties properties;
  private final MeterRegistry meters;
  private KafkaStreams streams;
  private Path stateDir;
  private volatile boolean running;

  public UsageRollups(
      KafkaClients clients, ChunkLayout layout, UsageProperties properties, MeterRegistry meters) {
    this.clients = clients;
    this.layout = layout;
    this.properties = properties;
    this.meters = meters;
    Gauge.builder(
            "runstream.usage.rollups.running",
            this,
            self -> self.state() == KafkaStreams.State.RUNNING ? 1 : 0)
        .description("1 while the usage roll-ups' Kafka Streams application is running")
        .register(meters);
    // Read from the application's own metrics at each scrape (no binder thread polling hundreds of
    // metrics).
    FunctionCounter.builder("runstream.usage.rollups.dropped", this, self -> self.dropped())
        .description(
            "runs that reached the roll-ups later than the grace period, by chunk time, and were not counted")
        .register(meters);
  }

  @Override
  public synchronized void start() {
    if (running || !properties.enabled()) {
      return;
    }
    stateDir = stateDir();
    Properties config = new Properties();
    config.putAll(clients.streamsConfig("usage-rollups"));
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, properties.applicationId());
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, properties.commitInterval().toMillis());
    config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, properties.replicationFactor());
    config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, properties.threads());
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    config.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    // The roll-ups need no low latency: larger, rarer fetches (like the sink's) cost the broker and
    // this application
    // less per chunk and next to nothing while idle.
    config.put(StreamsConfig.consumerPrefix("fetch.min.bytes"), 65536);
    config.put(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), 500);
    config.put(StreamsConfig.consumerPrefix("max.poll.records"), 2000);
    if (layout.perRunTopics()) {
      config.put(
          StreamsConfig.consumerPrefix("metadata.max.age.ms"),
          (int) layout.metadataMaxAge().toMillis());
    }
    streams =
        new KafkaStreams(
            UsageTopology.build(
                layout.perRunTopics(), properties.grace(), properties.dedupeWindow()),
            config);
    // A failed stream thread is replaced; its uncommitted transaction is aborted and its work done
    // again.
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("Usage roll-ups: a stream thread failed; replacing it", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.start();
    running = true;
    LOG.info(
        "Usage roll-ups running as Kafka Streams application {} (exactly_once_v2)",
        properties.applicationId());
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    try {
      // Leaves the group: another instance (or this one, started again) takes the tasks over at
      // once instead of
      // after the session timeout. The stores are in memory, so there is no local state to come
      // back to.
      streams.close(
          CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(Duration.ofSeconds(15)));
    } finally {
      if (properties.stateDir().isBlank()) {
        delete(stateDir);
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** The application's state, or null when it does not run. */
  public KafkaStreams.State state() {
    KafkaStreams current = streams;
    return running && current != null ? current.state() : null;
  }

  /** Records Kafka Streams dropped (late for their window), over every task of this instance. */
  private double dropped() {
    KafkaStreams current = streams;
    if (!running || current == null) {
      return 0;
    }
    double total = 0;
    for (var metric : current.metrics().entrySet()) {
      if (metric.getKey().name().equals("dropped-records-total")
          && metric.getKey().group().equals("stream-task-metrics")
          && metric.getValue().metricValue() instanceof Number value) {
        total += value.doubleValue();
      }
    }
    return total;
  }

  private Path stateDir() {
    try {
      if (!properties.stateDir().isBlank()) {
        return Files.createDirectories(Path.of(properties.stateDir()));
      }
      return Files.createTempDirectory("runstream-usage-rollups-");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the usage roll-ups' state directory (runstream.usage.state-dir)", e);
    }
  }

  private static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      LOG.debug("cannot remove {}", dir, e);
    }
  }
}
