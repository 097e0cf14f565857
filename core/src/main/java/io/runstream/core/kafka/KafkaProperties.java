package io.runstream.core.kafka;

import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How every service reaches Kafka ({@code runstream.kafka}).
 *
 * @param bootstrapServers the brokers, {@code host:port,...}
 * @param clientIdPrefix prefix of every client id, to tell services apart in broker logs
 * @param properties extra client properties applied to every client (security, timeouts)
 * @param chunkLinger how long the worker's chunk producer waits to batch chunks of all its runs
 *     into one produce request ({@code linger.ms}): one request per chunk was the broker's largest
 *     cost per delta (issue #24, {@code docs/benchmarks.md}); each delta waits at most this long
 *     more. 10 ms: at 100 concurrent runs on 2 cores, 10 ms took a sixth less CPU per delta than 5
 *     ms (fewer produce requests and fewer fetch responses for every consumer) and delivery p99
 *     came out lower, not higher (the machine was less busy); 20 ms saved no more and put delivery
 *     p50 at 16 ms
 */
@Validated
@ConfigurationProperties("runstream.kafka")
public record KafkaProperties(
    @DefaultValue("127.0.0.1:9092") @NotBlank String bootstrapServers,
    @DefaultValue("runstream") @NotBlank String clientIdPrefix,
    Map<String, String> properties,
    @DefaultValue("10ms") Duration chunkLinger) {
  public KafkaProperties {
    properties = properties == null ? Map.of() : Map.copyOf(properties);
  }
}
