package io.runstream.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

class DatabaseRetryTest {
  private final List<Duration> pauses = new ArrayList<>();

  @Test
  void shouldWaitForAConnectionInsteadOfFailingTheRun() {
    AtomicInteger calls = new AtomicInteger();
    String history =
        DatabaseRetry.retrying(
            "history",
            () -> {
              if (calls.incrementAndGet() < 4) {
                throw new CannotGetJdbcConnectionException(
                    "Connection is not available, request timed out after 5000ms");
              }
              return "three messages";
            },
            () -> false,
            Duration.ofSeconds(15),
            pauses::add);
    assertThat(history).isEqualTo("three messages");
    assertThat(pauses)
        .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
  }

  @Test
  void shouldGiveUpAtOnceOnAPermanentFailureWhenStoppedAndAfterTheBudget() {
    assertThatThrownBy(
            () ->
                DatabaseRetry.retrying(
                    "history",
                    () -> {
                      throw new DataIntegrityViolationException("no");
                    },
                    () -> false,
                    Duration.ofSeconds(15),
                    pauses::add))
        .isInstanceOf(DataIntegrityViolationException.class);
    assertThat(pauses).isEmpty();
    assertThatThrownBy(
            () ->
                DatabaseRetry.retrying(
                    "history",
                    () -> {
                      throw new CannotGetJdbcConnectionException("timeout");
                    },
                    () -> true,
                    Duration.ofSeconds(15),
                    pauses::add))
        .isInstanceOf(CannotGetJdbcConnectionException.class);
    assertThat(pauses).isEmpty();
    assertThatThrownBy(
            () ->
                DatabaseRetry.retrying(
                    "history",
                    () -> {
                      throw new CannotGetJdbcConnectionException("timeout");
                    },
                    () -> false,
                    Duration.ofMillis(250),
                    pauses::add))
        .isInstanceOf(CannotGetJdbcConnectionException.class);
    assertThat(pauses).hasSize(2); // 100 + 200 ms fit in 250 ms, 400 more would not
  }
}
