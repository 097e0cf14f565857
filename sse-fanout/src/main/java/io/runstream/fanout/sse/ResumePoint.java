package io.runstream.fanout.sse;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The resume point of a stream request: {@code Last-Event-ID} or, for clients that cannot set headers,
 * {@code ?after=}. Ids are non-negative integers; anything else answers 400.
 */
public final class ResumePoint {
  private static final int MAX_DIGITS = 18;

  private ResumePoint() {}

  /** The id after which to resume, or null to start at the beginning. */
  public static Long parse(HttpServletRequest request) {
    String header = request.getHeader("Last-Event-ID");
    if (header != null && !header.isBlank()) {
      return parse("Last-Event-ID", header.strip());
    }
    String query = request.getParameter("after");
    if (query != null && !query.isBlank()) {
      return parse("after", query.strip());
    }
    return null;
  }

  static Long parse(String field, String text) {
    if (text.length() > MAX_DIGITS || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ApiException.invalid(field, "must be a non-negative integer event id");
    }
    return Long.parseLong(text);
  }
}
