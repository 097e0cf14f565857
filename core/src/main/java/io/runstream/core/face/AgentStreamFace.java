package io.runstream.core.face;

import io.runstream.core.identity.Caller;
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
 * The agent-stream face (docs/faces/agent-stream.md, seed 001): {@code POST /ai/agent/stream} and
 * {@code GET /ai/stream/{streamId}}. Its errors are JSON in the shape of the seed's server (a
 * NestJS guard and controllers): {@code {"statusCode", "error", "message", "code", ...}}, with the
 * 402's {@code code: INSUFFICIENT_BALANCE}, {@code required}, {@code available} and {@code
 * billingUrl} at the top level as the seed documents them.
 */
@Component
public class AgentStreamFace implements Face {
  /** The face's id, as run requests and sessions name it. */
  public static final String ID = "agent-stream";

  /** Every path of the face. */
  public static final String PATHS = "/ai/**";

  /** The stream's path pattern (GET, cookie authentication allowed). */
  public static final String STREAM_PATH = "/ai/stream/{streamId}";

  /** The POST that starts a run. */
  public static final String POST_PATH = "/ai/agent/stream";

  /**
   * The header (and, for {@code EventSource}, query parameter) naming the caller's organisation.
   */
  public static final String ORG_HEADER = "orgid";

  /**
   * The {@code orgid} (header, or query parameter for {@code EventSource}) must name the token's
   * organisation: 400 when it is missing, 403 when it names another.
   */
  public static void checkOrganisation(Caller caller, String orgid) {
    if (orgid == null || orgid.isBlank()) {
      throw ApiException.invalid(
          ORG_HEADER, "the orgid header (or ?orgid= on the stream) is required");
    }
    if (!orgid.strip().equals(caller.org())) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "org_mismatch",
          "Forbidden",
          "orgid does not match the token's organisation.");
    }
  }

  @Override
  public String name() {
    return ID;
  }

  @Override
  public String title() {
    return "The agent-stream face (seed 001): POST a task, GET its stream";
  }

  @Override
  public List<String> paths() {
    return List.of(PATHS);
  }

  @Override
  public List<String> postPaths() {
    return List.of(POST_PATH);
  }

  @Override
  public List<String> streamPaths() {
    return List.of(STREAM_PATH);
  }

  @Override
  public boolean answers(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path != null && (path.equals("/ai") || path.startsWith("/ai/"));
  }

  @Override
  public ResponseEntity<Object> response(ApiException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("statusCode", e.status().value());
    body.put("error", e.status().getReasonPhrase());
    body.put("message", e.getMessage());
    body.put("code", e.code());
    body.putAll(e.properties());
    HttpHeaders headers = new HttpHeaders();
    e.headers().forEach(headers::set);
    headers.setContentType(MediaType.APPLICATION_JSON);
    return ResponseEntity.status(e.status()).headers(headers).body(body);
  }
}
