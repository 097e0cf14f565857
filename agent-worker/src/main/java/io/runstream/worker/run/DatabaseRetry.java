package io.runstream.worker.run;

import io.runstream.core.failure.Failures;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database read a run needs before it can start (its history), retried while the failure is
 * transient: under overload the connection pool times out (measured at 1,000 simultaneous runs on 2
 * cores), and a run that was accepted should wait for a connection rather than fail.
 */
final class DatabaseRetry {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseRetry.class);

  /** Sleeps between attempts (a test passes its own). */
  interface Sleeper {
    void sleep(Duration pause) throws InterruptedException;
  }

  private DatabaseRetry() {}

  /**
   * {@code read}'s result; a retriable failure is retried with back-off (100 ms doubling to 2 s)
   * for up to {@code budget}, unless {@code stopped} says the run should end; a permanent failure,
   * or the last one, is thrown.
   */
  static <T> T retrying(
      String what, Supplier<T> read, BooleanSupplier stopped, Duration budget, Sleeper sleeper) {
    long deadline = System.nanoTime() + budget.toNanos();
    Duration pause = Duration.ofMillis(100);
    for (int attempt = 1; ; attempt++) {
      try {
        return read.get();
      } catch (RuntimeException e) {
        if (!Failures.retriable(e)
            || stopped.getAsBoolean()
            || System.nanoTime() + pause.toNanos() > deadline) {
          throw e;
        }
        LOG.info(
            "{}: the database is unavailable ({}); attempt {} again in {} ms",
            what,
            e.getMessage(),
            attempt + 1,
            pause.toMillis());
        try {
          sleeper.sleep(pause);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pause =
            pause.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0
                ? Duration.ofSeconds(2)
                : pause.multipliedBy(2);
      }
    }
  }
}
