package io.runstream.core.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.BindException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

class StartupFailuresTest {

  private static RuntimeException wrapped(Throwable cause) {
    return new IllegalStateException(
        "Error creating bean with name 'x'",
        new RuntimeException("Failed to obtain JDBC Connection", cause));
  }

  @Test
  void namesTheCauseAndTheSettingInOneLine() {
    assertThat(
            StartupFailures.explain(
                wrapped(
                    new PSQLException(
                        "Connection to 127.0.0.1:5999 refused. Check that the hostname and port are correct",
                        PSQLState.CONNECTION_REJECTED))))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .startsWith("PostgreSQL is unreachable (Connection to 127.0.0.1:5999 refused.")
                    .endsWith("set SPRING_DATASOURCE_URL (spring.datasource.url).")
                    .doesNotContain("\n"));
    assertThat(
            StartupFailures.explain(
                wrapped(
                    new PSQLException(
                        "FATAL: password authentication failed for user \"postgres\"",
                        PSQLState.INVALID_PASSWORD))))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .contains("SPRING_DATASOURCE_USERNAME and SPRING_DATASOURCE_PASSWORD"));
    assertThat(
            StartupFailures.explain(
                wrapped(
                    new TimeoutException(
                        "Timed out waiting for a node assignment. Call: createTopics"))))
        .hasValueSatisfying(line -> assertThat(line).contains("RUNSTREAM_KAFKA_BOOTSTRAPSERVERS"));
    assertThat(StartupFailures.explain(wrapped(new BindException("Address already in use"))))
        .hasValueSatisfying(
            line ->
                assertThat(line).startsWith("a port is already in use (Address already in use)"));
  }

  @Test
  void leavesOtherFailuresToSpringBootsReport() {
    assertThat(StartupFailures.explain(wrapped(new IllegalArgumentException("something else"))))
        .isEmpty();
  }
}
