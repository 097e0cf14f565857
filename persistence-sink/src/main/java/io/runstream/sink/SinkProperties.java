package io.runstream.sink;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The persistence sink's configuration ({@code runstream.sink}).
 *
 * @param enabled whether this process persists chunks
 * @param groupId the consumer group of all sinks
 * @param maxBatch most chunks written in one transaction
 * @param maxBackoff longest pause between retries while the database is unavailable
 * @param fetchMaxWait how long the broker may hold the sink's fetch to fill {@code
 *     fetch-min-bytes}: larger batches mean fewer transactions and offset commits per chunk
 *     (measured: at 200 chunks/s, 100 ms made the sink and the broker's commit handling a third of
 *     the machine's CPU), at the price of the chunk log trailing by that much; with the chunk log
 *     in segments (V13), a larger batch also means longer segments and fewer statements per run
 *     (issue #24: 500 ms and 512 KiB, batches up to 5,000 chunks)
 * @param fetchMinBytes the bytes a fetch waits for (up to {@code fetch-max-wait})
 * @param groupLagInterval how often the lag of every Runstream consumer group is measured (gauge
 *     {@code runstream.kafka.consumer.group.lag})
 */
@Validated
@ConfigurationProperties("runstream.sink")
public record SinkProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("runstream-persistence-sink") @NotBlank String groupId,
    @DefaultValue("5000") @Min(1) int maxBatch,
    @DefaultValue("5s") Duration maxBackoff,
    @DefaultValue("500ms") Duration fetchMaxWait,
    @DefaultValue("524288") @Min(1) int fetchMinBytes,
    @DefaultValue("15s") Duration groupLagInterval) {}
