package io.runstream.worker.model;

/**
 * A model provider failed in a way it could name: the run ends with an {@code error} chunk carrying this code,
 * message and whether running again may succeed.
 */
public class ModelFailure extends RuntimeException {
  private final String code;
  private final boolean retryable;

  public ModelFailure(String code, String message, boolean retryable) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
  }

  /** A stable machine-readable code. */
  public String code() {
    return code;
  }

  /** Whether running again may succeed. */
  public boolean retryable() {
    return retryable;
  }
}
