package io.runstream.core.kafka;

import io.runstream.schemas.Topics;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.UUID;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where runs' chunks live in Kafka ({@code runstream.chunks}). The ingest decides each run's topic
 * at admission (it travels in the run request and on the run row); the worker produces there; the
 * fan-out and the sink read the shared topic always and the per-run topics when the layout is
 * {@code per-run-topic}, so a deployment can switch to per-run topics without losing a live run.
 *
 * @param layout {@code shared}: every run in {@code runstream.run-chunks}, keyed by run id
 *     (default); {@code per-run-topic}: each run in its own one-partition topic {@code
 *     runstream.run.<id>}
 * @param retention how long a finished run's topic is kept before it is deleted (its chunks stay in
 *     PostgreSQL)
 * @param discoveryInterval how often a fan-out node looks for new per-run topics
 * @param cleanupInterval how often the sink deletes per-run topics past retention
 * @param deleteBatch most topics deleted in one request
 * @param replicationFactor replication factor of new per-run topics; -1 takes the broker's default
 * @param metadataMaxAge the sink's {@code metadata.max.age.ms} in the per-run layout: how soon its
 *     pattern subscription sees a new topic
 */
@Validated
@ConfigurationProperties("runstream.chunks")
public record ChunkLayout(
    @DefaultValue("shared") @NotNull Kind layout,
    @DefaultValue("7d") Duration retention,
    @DefaultValue("100ms") Duration discoveryInterval,
    @DefaultValue("1m") Duration cleanupInterval,
    @DefaultValue("100") @Min(1) int deleteBatch,
    @DefaultValue("-1") short replicationFactor,
    @DefaultValue("1s") Duration metadataMaxAge) {

  /** The two layouts. */
  public enum Kind {
    SHARED,
    PER_RUN_TOPIC
  }

  /** The default: the shared topic. */
  public static ChunkLayout shared() {
    return new ChunkLayout(
        Kind.SHARED,
        Duration.ofDays(7),
        Duration.ofMillis(100),
        Duration.ofMinutes(1),
        100,
        (short) -1,
        Duration.ofSeconds(1));
  }

  /** True in the per-run-topic layout. */
  public boolean perRunTopics() {
    return layout == Kind.PER_RUN_TOPIC;
  }

  /**
   * The topic a new run's chunks go to, or null for the shared topic (the run request's default).
   */
  public String topicForNewRun(UUID runId) {
    return perRunTopics() ? Topics.runTopic(runId) : null;
  }
}
