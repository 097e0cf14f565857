package io.runstream.fanout.sse;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The resume point of a stream request: {@code Last-Event-ID} or, for clients that cannot set
 * headers, {@code ?after=}. Ids are non-negative integers; anything else answers 400. And whether
 * the reader asks for a compact catch-up ({@link #compact}).
 */
public final class ResumePoint {
  private static final int MAX_DIGITS = 18;

  /**
   * The preference ({@code Prefer: compact}) and the query parameter ({@code ?compact=true}) of a
   * compact catch-up.
   */
  public static final String COMPACT = "compact";

  private ResumePoint() {}

  /** The id after which to resume, or null to start at the beginning. */
  public static Long parse(HttpServletRequest request) {
    return from(request.getHeader("Last-Event-ID"), request.getParameter("after"));
  }

  /**
   * The id after which to resume from a {@code Last-Event-ID} header and an {@code after} query
   * parameter (either may be null), or null to start at the beginning.
   */
  public static Long from(String lastEventId, String after) {
    if (lastEventId != null && !lastEventId.isBlank()) {
      return parse("Last-Event-ID", lastEventId.strip());
    }
    if (after != null && !after.isBlank()) {
      return parse("after", after.strip());
    }
    return null;
  }

  /**
   * Whether the reader asks for a compact catch-up (docs/faces/canonical.md): {@code ?compact=true}
   * (or {@code false}; anything else answers 400), or the preference {@code compact} in a {@code
   * Prefer} header (RFC 7240; the only way for a face whose POST is the stream, and other
   * preferences are ignored). The events the reader is behind by then come with consecutive deltas
   * of one part merged ({@link CatchUp}); live events are unchanged.
   */
  public static boolean compact(HttpServletRequest request) {
    Enumeration<String> prefer = request.getHeaders("Prefer");
    List<String> preferences = prefer == null ? List.of() : Collections.list(prefer);
    return compact(
        preferences, "GET".equals(request.getMethod()) ? request.getParameter(COMPACT) : null);
  }

  /**
   * {@link #compact(HttpServletRequest)} from the request's {@code Prefer} headers and its {@code
   * compact} query parameter (null when it has none).
   */
  public static boolean compact(List<String> prefer, String query) {
    for (String header : prefer) {
      for (String preference : header.split(",")) {
        String token = preference.split("[;=]", 2)[0].strip();
        if (token.equalsIgnoreCase(COMPACT)) {
          return true;
        }
      }
    }
    if (query == null) {
      return false;
    }
    return switch (query.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "" -> true;
      case "false", "0" -> false;
      default -> throw ApiException.invalid(COMPACT, "must be true or false");
    };
  }

  static Long parse(String field, String text) {
    if (text.length() > MAX_DIGITS || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ApiException.invalid(field, "must be a non-negative integer event id");
    }
    return Long.parseLong(text);
  }
}
