package io.runstream.worker.model;

import io.runstream.core.failure.Failures;
import java.time.Duration;

/**
 * A model provider failed in a way it could name: the run ends with an {@code error} chunk carrying
 * this code, message and whether running again may succeed. A retriable failure before the model's
 * first output is retried (after {@link #retryAfter}, when the provider said).
 */
public class ModelFailure extends RuntimeException implements Failures.Classified {
  private final String code;
  private final boolean retryable;
  private final Duration retryAfter;

  public ModelFailure(String code, String message, boolean retryable) {
    this(code, message, retryable, null);
  }

  public ModelFailure(String code, String message, boolean retryable, Duration retryAfter) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }

  /** A stable machine-readable code. */
  public String code() {
    return code;
  }

  /** Whether running again may succeed. */
  @Override
  public boolean retryable() {
    return retryable;
  }

  /** How long the provider asked to wait before trying again, or null. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
