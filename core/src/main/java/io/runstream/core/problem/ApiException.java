package io.runstream.core.problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * An error with its HTTP status, a stable code and a human-readable detail; rendered as
 * problem+json.
 */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String code;
  private final String title;
  private final Map<String, Object> properties;
  private final Map<String, String> headers;

  public ApiException(HttpStatus status, String code, String title, String detail) {
    this(status, code, title, detail, Map.of(), Map.of());
  }

  public ApiException(
      HttpStatus status,
      String code,
      String title,
      String detail,
      Map<String, Object> properties,
      Map<String, String> headers) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.title = title;
    this.properties = new LinkedHashMap<>(properties);
    this.headers = Map.copyOf(headers);
  }

  /**
   * 404: the thing does not exist or belongs to another organisation (never 403: no existence
   * leak).
   */
  public static ApiException notFound(String what) {
    return new ApiException(HttpStatus.NOT_FOUND, "not_found", "Not Found", what + " not found.");
  }

  /** 400 with a field-level reason. */
  public static ApiException invalid(String field, String reason) {
    return new ApiException(
        HttpStatus.BAD_REQUEST,
        "invalid_request",
        "Bad Request",
        field + ": " + reason,
        Map.of("errors", List.of(Map.of("field", field, "reason", reason))),
        Map.of());
  }

  public HttpStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  public Map<String, Object> properties() {
    return properties;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
