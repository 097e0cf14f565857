package io.runstream.core.failure;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionException;

/**
 * The one place that decides whether a failure is retriable (the same work may succeed later: back
 * off and try again, never skip) or permanent (it never will: set the record aside, end the run,
 * answer an error). The worker, the sink, the intake and the API all ask here. The cause chain is
 * walked: the first cause a rule knows decides. Unknown failures are retriable, so that nothing
 * accepted is dropped by a failure nobody classified.
 */
public final class Failures {

  /** Whether a failure is worth retrying. */
  public enum Kind {
    /** The same work may succeed later. */
    RETRIABLE,
    /** The same work will fail again. */
    PERMANENT
  }

  /** A failure that knows its own kind (e.g. a model provider's). */
  public interface Classified {
    /** True if the same work may succeed later. */
    boolean retryable();
  }

  private Failures() {}

  /** The kind of {@code failure}. */
  public static Kind classify(Throwable failure) {
    for (Throwable cause = failure;
        cause != null;
        cause = cause.getCause() == cause ? null : cause.getCause()) {
      Kind kind = known(cause);
      if (kind != null) {
        return kind;
      }
    }
    return Kind.RETRIABLE;
  }

  /** True if {@code failure} is retriable. */
  public static boolean retriable(Throwable failure) {
    return classify(failure) == Kind.RETRIABLE;
  }

  private static Kind known(Throwable cause) {
    if (cause instanceof Classified classified) {
      return classified.retryable() ? Kind.RETRIABLE : Kind.PERMANENT;
    }
    // PostgreSQL: down, restarting, a lost connection, a deadlock or serialization failure, no
    // transaction to be had.
    if (cause instanceof TransientDataAccessException
        || cause instanceof DataAccessResourceFailureException
        || cause instanceof RecoverableDataAccessException
        || cause instanceof CannotCreateTransactionException) {
      return Kind.RETRIABLE;
    }
    if (cause instanceof TransactionException) {
      return Kind.RETRIABLE;
    }
    // Anything else the database says about the data or the statement: it will say it again.
    if (cause instanceof DataAccessException) {
      return Kind.PERMANENT;
    }
    // Kafka: its own retriable family (leader moves, timeouts, disconnects), and what never passes.
    if (cause instanceof RecordTooLargeException
        || cause instanceof SerializationException
        || cause instanceof AuthorizationException
        || cause instanceof AuthenticationException
        || cause instanceof UnsupportedVersionException) {
      return Kind.PERMANENT;
    }
    if (cause instanceof RetriableException
        || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
      return Kind.RETRIABLE;
    }
    // A record or request that cannot be read: reading it again reads the same bytes.
    if (cause instanceof IllegalArgumentException
        || cause instanceof NullPointerException
        || cause instanceof ClassCastException) {
      return Kind.PERMANENT;
    }
    if (cause instanceof IOException || cause instanceof TimeoutException) {
      return Kind.RETRIABLE;
    }
    return null;
  }
}
