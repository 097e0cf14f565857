package io.runstream.core.face;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The genie stream-chat face (docs/faces/genie.md, seed 000): {@code POST /api/genie/stream-chat},
 * whose answer is the SSE stream itself. Its errors are the seed's {@code {"error": "..."}}: 400
 * {@code message required}, 401 {@code Unauthorized} (whatever is wrong with the token), 503 {@code
 * Account setup incomplete...}.
 */
@Component
public class GenieFace implements Face {
  /** The face's id, as run requests and sessions name it. */
  public static final String ID = "genie";

  /** Every path of the face. */
  public static final String PATHS = "/api/genie/**";

  /** The chat endpoint. */
  public static final String CHAT_PATH = "/api/genie/stream-chat";

  /** The seed's 400. */
  public static ApiException messageRequired() {
    return new ApiException(
        HttpStatus.BAD_REQUEST, "message_required", "Bad Request", "message required");
  }

  /** The seed's 503 for a user no organisation provisioned. */
  public static ApiException setupIncomplete() {
    return new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        "account_setup_incomplete",
        "Service Unavailable",
        "Account setup incomplete: the token names no organisation (org claim); ask an administrator to provision it.");
  }

  @Override
  public String name() {
    return ID;
  }

  @Override
  public String title() {
    return "The genie stream-chat face (seed 000) and its onboarding administration";
  }

  @Override
  public List<String> paths() {
    return List.of(PATHS);
  }

  /** The chat POST, whose answer is the run's stream (no stream GET). */
  @Override
  public List<String> postPaths() {
    return List.of(CHAT_PATH);
  }

  @Override
  public List<String> streamPaths() {
    return List.of();
  }

  @Override
  public boolean answers(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path != null && (path.equals("/api/genie") || path.startsWith("/api/genie/"));
  }

  @Override
  public ResponseEntity<Object> response(ApiException e) {
    String message = e.status() == HttpStatus.UNAUTHORIZED ? "Unauthorized" : e.getMessage();
    HttpHeaders headers = new HttpHeaders();
    e.headers().forEach(headers::set);
    headers.setContentType(MediaType.APPLICATION_JSON);
    return ResponseEntity.status(e.status()).headers(headers).body(Map.of("error", message));
  }
}
