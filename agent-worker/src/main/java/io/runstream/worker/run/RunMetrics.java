package io.runstream.worker.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The worker's run metrics (for the dashboard and alerts in {@code infra/observability}): {@code
 * runstream.worker.runs} (counter; {@code status}, {@code provider}), {@code
 * runstream.worker.run.duration} (timer; {@code status}), {@code runstream.worker.first-token}
 * (timer, the run's start to its first text; {@code provider}) and {@code
 * runstream.worker.provider.errors} (counter; {@code provider}, {@code code}).
 */
@Component
public class RunMetrics {
  private final MeterRegistry meters;

  public RunMetrics(MeterRegistry meters) {
    this.meters = meters;
    // Registered up front so that dashboards and alerts have a series before the first run.
    for (String status : new String[] {"completed", "failed", "cancelled"}) {
      Counter.builder("runstream.worker.runs")
          .description("runs ended, by status and provider")
          .tag("status", status)
          .tag("provider", "none")
          .register(meters);
    }
    Counter.builder("runstream.worker.provider.errors")
        .description("model provider failures, by provider and code")
        .tag("provider", "none")
        .tag("code", "none")
        .register(meters);
    firstTokenTimer("none");
  }

  /** One run's measurements. */
  public final class Run {
    private final long started = System.nanoTime();
    private final String provider;
    private boolean firstText;

    Run(String provider) {
      this.provider = provider == null ? "none" : provider;
    }

    /** Text began: the first time, the time to first token is recorded. */
    void text() {
      if (!firstText) {
        firstText = true;
        firstTokenTimer(provider).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      }
    }

    /**
     * A parked run goes on (issue #27): its first text is not the run's first token, which it had
     * before it parked (or never will), so none is recorded.
     */
    void resumed() {
      firstText = true;
    }

    /** The run ended with {@code status}. */
    void finished(String status) {
      Counter.builder("runstream.worker.runs")
          .tag("status", status)
          .tag("provider", provider)
          .register(meters)
          .increment();
      Timer.builder("runstream.worker.run.duration")
          .description("a run's start to its end")
          // Buckets, not per-instance quantiles: a quantile across workers is histogram_quantile
          // over summed buckets.
          .publishPercentileHistogram()
          .maximumExpectedValue(java.time.Duration.ofHours(1))
          .tag("status", status)
          .register(meters)
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    /** The provider failed with {@code code}. */
    void providerError(String code) {
      Counter.builder("runstream.worker.provider.errors")
          .tag("provider", provider)
          .tag("code", code)
          .register(meters)
          .increment();
    }
  }

  /** A run starting now on {@code provider}. */
  public Run start(String provider) {
    return new Run(provider);
  }

  private Timer firstTokenTimer(String provider) {
    return Timer.builder("runstream.worker.first-token")
        .description("a run's start to its first text")
        .publishPercentiles(0.5, 0.95)
        .publishPercentileHistogram()
        .tag("provider", provider)
        .register(meters);
  }
}
