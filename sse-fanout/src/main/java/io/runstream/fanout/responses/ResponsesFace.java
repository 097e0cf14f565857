package io.runstream.fanout.responses;

import io.runstream.core.face.Face;
import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The OpenAI Responses face (issue #28, {@code docs/faces/responses.md}): {@code POST
 * /v1/responses}, {@code GET /v1/responses/{id}} (with {@code ?stream=true&starting_after=N}, the
 * stream GET) and {@code POST /v1/responses/{id}/cancel}, authenticated by the bearer JWT (the
 * official SDKs' {@code apiKey}). Errors are OpenAI's: {@code {"error": {"message", "type",
 * "param", "code"}}} with 400, 401, 403, 404, 429 or 5xx; a refusal the SDKs would retry needlessly
 * (a 409) answers 400, a spent token budget 429 {@code insufficient_quota}, each with {@code
 * x-should-retry: false}, as every 4xx but 408 and a rate limit's 429.
 */
@Component
public class ResponsesFace implements Face {
  /** The face's id, as run requests name it, and its OpenAPI group. */
  public static final String ID = "responses";

  /** The create POST. */
  public static final String POST_PATH = "/v1/responses";

  /** A response: its object, or its events with {@code ?stream=true}. */
  public static final String RESPONSE_PATH = "/v1/responses/{responseId}";

  /** Cancels a background response. */
  public static final String CANCEL_PATH = "/v1/responses/{responseId}/cancel";

  /** The header telling the official SDKs not to retry. */
  public static final String SHOULD_RETRY = "x-should-retry";

  @Override
  public String name() {
    return ID;
  }

  @Override
  public String title() {
    return "The OpenAI Responses face (official openai SDKs, baseURL <host>/v1)";
  }

  @Override
  public List<String> paths() {
    return List.of("/v1/responses", "/v1/responses/**");
  }

  /**
   * The official {@code openai} SDK in a browser ({@code dangerouslyAllowBrowser}) sends these
   * (openai 7.55.0); without them its preflight fails.
   */
  @Override
  public List<String> corsRequestHeaders() {
    return List.of(
        "X-Stainless-Arch",
        "X-Stainless-Lang",
        "X-Stainless-OS",
        "X-Stainless-Package-Version",
        "X-Stainless-Retry-Count",
        "X-Stainless-Runtime",
        "X-Stainless-Runtime-Version",
        "X-Stainless-Timeout",
        "X-Stainless-Helper-Method",
        "X-Stainless-Poll-Helper",
        "X-Stainless-Custom-Poll-Interval",
        "OpenAI-Organization",
        "OpenAI-Project",
        "OpenAI-Beta",
        "Idempotency-Key");
  }

  /** The SDK reads whether to retry a refusal; in a browser only from an exposed header. */
  @Override
  public List<String> corsExposedHeaders() {
    return List.of(SHOULD_RETRY, "X-Run-Id");
  }

  @Override
  public List<String> postPaths() {
    return List.of(POST_PATH);
  }

  /** The response GET, which streams with {@code ?stream=true}. */
  @Override
  public List<String> streamPaths() {
    return List.of(RESPONSE_PATH);
  }

  @Override
  public boolean answers(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path != null && (path.equals("/v1/responses") || path.startsWith("/v1/responses/"));
  }

  @Override
  public ResponseEntity<Object> response(ApiException e) {
    HttpStatus status = e.status();
    HttpHeaders headers = new HttpHeaders();
    e.headers().forEach(headers::set);
    headers.setContentType(MediaType.APPLICATION_JSON);
    boolean quota = status == HttpStatus.PAYMENT_REQUIRED;
    if (status == HttpStatus.CONFLICT || status == HttpStatus.UNPROCESSABLE_CONTENT) {
      // A permanent refusal: the SDKs retry 409, so it is a 400 they do not retry.
      status = HttpStatus.BAD_REQUEST;
    }
    if (quota) {
      // A spent token budget is OpenAI's exhausted quota: a 429 the SDKs must not retry.
      status = HttpStatus.TOO_MANY_REQUESTS;
    }
    if (quota
        || status.is4xxClientError()
            && status != HttpStatus.TOO_MANY_REQUESTS
            && status != HttpStatus.REQUEST_TIMEOUT) {
      headers.set(SHOULD_RETRY, "false");
    }
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message(e, status));
    error.put("type", quota ? "insufficient_quota" : type(status));
    error.put("param", param(e));
    error.put("code", quota ? "insufficient_quota" : code(e, status));
    return ResponseEntity.status(status).headers(headers).body(Map.of("error", error));
  }

  /** 404 for a response that does not exist, or is another organisation's or user's. */
  public static ApiException notFound(String responseId) {
    return new ApiException(
        HttpStatus.NOT_FOUND,
        "not_found",
        "Not Found",
        "Response with id '" + responseId + "' not found.");
  }

  /** 400 for a field: {@code param} names it. */
  public static ApiException invalid(String param, String message) {
    return ApiException.invalid(param, message);
  }

  private static String message(ApiException e, HttpStatus status) {
    if (status == HttpStatus.UNAUTHORIZED) {
      return "Incorrect API key provided: the bearer token is missing, invalid or expired.";
    }
    if (e.properties().get("errors") instanceof List<?> fields
        && !fields.isEmpty()
        && fields.getFirst() instanceof Map<?, ?> field) {
      return "Invalid '" + field.get("field") + "': " + field.get("reason") + ".";
    }
    return e.getMessage();
  }

  private static String type(HttpStatus status) {
    return switch (status) {
      case UNAUTHORIZED -> "invalid_request_error";
      case FORBIDDEN -> "invalid_request_error";
      case TOO_MANY_REQUESTS -> "requests";
      default -> status.is5xxServerError() ? "server_error" : "invalid_request_error";
    };
  }

  private static Object param(ApiException e) {
    if (e.properties().get("errors") instanceof List<?> fields
        && !fields.isEmpty()
        && fields.getFirst() instanceof Map<?, ?> field) {
      return String.valueOf(field.get("field"));
    }
    return null;
  }

  private static Object code(ApiException e, HttpStatus status) {
    return switch (status) {
      case UNAUTHORIZED -> "invalid_api_key";
      case TOO_MANY_REQUESTS -> "rate_limit_exceeded";
      case NOT_FOUND -> null;
      default -> e.code();
    };
  }
}
