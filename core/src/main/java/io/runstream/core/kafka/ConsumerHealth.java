package io.runstream.core.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code consumers} health contributor, part of the readiness group ({@code
 * runstream-defaults.properties}): one component per consumer loop of this process that reports to
 * readiness (the fan-out's {@code chunkTail}, the worker's {@code runRequestIntake}, the sink's
 * {@code chunkSink}), DOWN when the loop is stopped, its thread ended or it completed no poll for
 * longer than {@code runstream.health.consumer-stall-after}. The contributor exists in every
 * process (empty and UP where no such loop runs, e.g. the ingest API alone), so that one readiness
 * group fits every way the services are started: Spring Boot refuses to start when a group names a
 * contributor that is missing.
 */
@Configuration(proxyBeanMethods = false)
public class ConsumerHealth {

  /**
   * @param consumerStallAfter how long a consumer loop may go without completing a poll before
   *     readiness reports it DOWN; polls return (empty) while the broker is away, so this bounds a
   *     stuck loop, not a broker outage
   */
  @ConfigurationProperties("runstream.health")
  public record Properties(@DefaultValue("30s") Duration consumerStallAfter) {}

  @Bean("consumers")
  HealthContributor consumers(ObjectProvider<ConsumerLoop> loops, Properties properties) {
    return of(loops.orderedStream().toList(), properties.consumerStallAfter());
  }

  /** The contributor over {@code loops}: those that report to readiness, by name. */
  public static HealthContributor of(List<ConsumerLoop> loops, Duration stallAfter) {
    Map<String, HealthIndicator> reported = new LinkedHashMap<>();
    for (ConsumerLoop loop : loops) {
      String name = loop.reportedAs();
      if (name != null) {
        reported.put(name, () -> health(loop, stallAfter));
      }
    }
    if (reported.isEmpty()) {
      return (HealthIndicator)
          () -> Health.up().withDetail("loops", "none in this process").build();
    }
    return CompositeHealthContributor.fromMap(reported);
  }

  private static Health health(ConsumerLoop loop, Duration stallAfter) {
    String reason = loop.deadReason(stallAfter);
    return reason == null
        ? Health.up().build()
        : Health.down().withDetail("reason", reason).build();
  }
}
