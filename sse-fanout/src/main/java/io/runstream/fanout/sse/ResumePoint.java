package io.runstream.fanout.sse;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
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

  /**
   * Whether the reader asks for a compact catch-up (docs/faces/canonical.md): {@code ?compact=true}
   * (or {@code false}; anything else answers 400), or the preference {@code compact} in a {@code
   * Prefer} header (RFC 7240; the only way for a face whose POST is the stream, and other
   * preferences are ignored). The events the reader is behind by then come with consecutive deltas
   * of one part merged ({@link CatchUp}); live events are unchanged.
   */
  public static boolean compact(HttpServletRequest request) {
    Enumeration<String> prefer = request.getHeaders("Prefer");
    while (prefer != null && prefer.hasMoreElements()) {
      for (String preference : prefer.nextElement().split(",")) {
        String token = preference.split("[;=]", 2)[0].strip();
        if (token.equalsIgnoreCase(COMPACT)) {
          return true;
        }
      }
    }
    String query = "GET".equals(request.getMethod()) ? request.getParameter(COMPACT) : null;
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
