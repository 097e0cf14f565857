package io.runstream.client;

/**
 * An answer the client cannot go on from: the server's problem ({@code application/problem+json}:
 * its status, its {@code code} or {@code type}, its {@code detail}), or a stream that could not be
 * reopened.
 */
public class RunstreamException extends RuntimeException {
  private final int status;
  private final String code;

  public RunstreamException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  public RunstreamException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.code = null;
  }

  /** The HTTP status, 0 when there was no answer. */
  public int status() {
    return status;
  }

  /** The problem's {@code code} (e.g. {@code run_in_progress}), or null. */
  public String code() {
    return code;
  }
}
