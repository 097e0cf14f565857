package io.runstream.core.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.failure.Failures.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.transaction.CannotCreateTransactionException;

/** The one retriable/permanent table, with causes walked. */
class FailuresTest {

  static final class ProviderFailure extends RuntimeException implements Failures.Classified {
    private final boolean retryable;

    ProviderFailure(boolean retryable) {
      this.retryable = retryable;
    }

    @Override
    public boolean retryable() {
      return retryable;
    }
  }

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            "database down", new DataAccessResourceFailureException("down"), Kind.RETRIABLE),
        Arguments.of("query timeout", new QueryTimeoutException("slow"), Kind.RETRIABLE),
        Arguments.of(
            "no transaction", new CannotCreateTransactionException("pool"), Kind.RETRIABLE),
        Arguments.of("constraint", new DataIntegrityViolationException("dup"), Kind.PERMANENT),
        Arguments.of(
            "bad sql",
            new BadSqlGrammarException("x", "select", new SQLException("syntax")),
            Kind.PERMANENT),
        Arguments.of("leader moved", new NotLeaderOrFollowerException("moved"), Kind.RETRIABLE),
        Arguments.of("kafka timeout", new TimeoutException("t"), Kind.RETRIABLE),
        Arguments.of("too large", new RecordTooLargeException("big"), Kind.PERMANENT),
        Arguments.of("unreadable record", new SerializationException("bad"), Kind.PERMANENT),
        Arguments.of("not allowed", new TopicAuthorizationException("acl"), Kind.PERMANENT),
        Arguments.of("poison json", new IllegalArgumentException("not a chunk"), Kind.PERMANENT),
        Arguments.of("connection refused", new ConnectException("refused"), Kind.RETRIABLE),
        Arguments.of("io", new IOException("reset"), Kind.RETRIABLE),
        Arguments.of("provider says retriable", new ProviderFailure(true), Kind.RETRIABLE),
        Arguments.of("provider says permanent", new ProviderFailure(false), Kind.PERMANENT),
        Arguments.of(
            "wrapped: send failed because too large",
            new ExecutionException(new RecordTooLargeException("big")),
            Kind.PERMANENT),
        Arguments.of(
            "wrapped twice: database down",
            new IllegalStateException(
                "batch", new RuntimeException(new DataAccessResourceFailureException("down"))),
            Kind.RETRIABLE),
        Arguments.of("unknown", new UnsupportedOperationException("?"), Kind.RETRIABLE),
        Arguments.of(
            "unknown wrapping a retriable",
            new RuntimeException(new ConnectException("x")),
            Kind.RETRIABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void shouldClassifyEveryFailureOnce(String name, Throwable failure, Kind kind) {
    assertThat(Failures.classify(failure)).isEqualTo(kind);
  }
}
