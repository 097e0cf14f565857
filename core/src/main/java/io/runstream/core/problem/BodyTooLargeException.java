package io.runstream.core.problem;

import java.io.IOException;
import java.util.Map;
import org.springframework.http.HttpStatus;

/** Thrown while reading a request body that exceeds the configured limit. */
public class BodyTooLargeException extends IOException {
  private final long limit;

  public BodyTooLargeException(long limit) {
    super("request body exceeds " + limit + " bytes", null);
    this.limit = limit;
  }

  /**
   * The 413 problem. It says {@code Connection: close}: the rest of the body is not read past a few
   * MiB ({@code UnreadBodyDrain}), so the connection cannot carry another request, and a client
   * told nothing would send its next request into the close.
   */
  public ApiException problem() {
    return new ApiException(
        HttpStatus.CONTENT_TOO_LARGE,
        "body_too_large",
        "Content Too Large",
        "The request body exceeds " + limit + " bytes.",
        Map.of("limit", limit),
        Map.of("Connection", "close"));
  }
}
