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
 */
@Validated
@ConfigurationProperties("runstream.sink")
public record SinkProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("runstream-persistence-sink") @NotBlank String groupId,
    @DefaultValue("1000") @Min(1) int maxBatch,
    @DefaultValue("5s") Duration maxBackoff) {}
