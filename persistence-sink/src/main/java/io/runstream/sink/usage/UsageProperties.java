package io.runstream.sink.usage;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The usage roll-ups ({@code runstream.usage}): a Kafka Streams application (exactly once) that
 * turns the chunk topic into per-organisation, user and model totals in 1-minute and 1-hour
 * windows, and the writer that stores them in PostgreSQL.
 *
 * @param enabled whether this process runs the roll-ups and their writer
 * @param applicationId the Kafka Streams application id (its consumer group and the prefix of its
 *     internal topics)
 * @param grace how long after a window's end a run that ended in it is still counted (runs reaching
 *     the roll-ups later than that, by the chunk timestamps, are dropped and counted in {@code
 *     runstream.usage.rollups.dropped})
 * @param dedupeWindow how long a finished run is remembered, so that a redelivered or late chunk of
 *     it is not counted again
 * @param commitInterval how often the application commits (a transaction); roll-up records follow
 *     at this pace
 * @param replicationFactor replication of the application's internal topics; -1 takes the broker's
 *     default
 * @param threads stream threads of this instance
 * @param stateDir where Kafka Streams keeps its lock and checkpoint files; empty: a fresh temporary
 *     directory (the stores are in memory and restored from their changelog topics)
 * @param writerGroupId the consumer group of the PostgreSQL writer
 */
@Validated
@ConfigurationProperties("runstream.usage")
public record UsageProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("runstream-usage-rollups") @NotBlank String applicationId,
    @DefaultValue("2h") Duration grace,
    @DefaultValue("1h") Duration dedupeWindow,
    @DefaultValue("1s") Duration commitInterval,
    @DefaultValue("-1") int replicationFactor,
    @DefaultValue("1") @Min(1) int threads,
    @DefaultValue("") String stateDir,
    @DefaultValue("runstream-usage-writer") @NotBlank String writerGroupId) {}
