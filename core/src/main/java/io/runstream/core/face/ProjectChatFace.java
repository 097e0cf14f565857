package io.runstream.core.face;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The project-chat face (docs/faces/project-chat.md, seed 002: a FastAPI service): {@code
 * /api/v1/chat/**} and the project knowledge store {@code /api/v1/projects/**}. Errors are
 * FastAPI's: validation is 422 {@code {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}}
 * (Pydantic v2's types and messages), anything else {@code {"detail": "..."}} with its status (401
 * {@code Not authenticated}, 403 for a missing or wrong {@code X-API-Key}).
 */
@Component
public class ProjectChatFace implements Face {
  /** The face's id, as run requests and sessions name it. */
  public static final String ID = "project-chat";

  /** The chat endpoints. */
  public static final String CHAT_PATHS = "/api/v1/chat/**";

  /** The knowledge store's endpoints. */
  public static final String PROJECT_PATHS = "/api/v1/projects/**";

  /** The API key header. */
  public static final String API_KEY_HEADER = "X-API-Key";

  /** The chat POSTs, whose answer is the run's stream. */
  public static final List<String> POST_PATHS =
      List.of("/api/v1/chat/stream", "/api/v1/chat/generate");

  private final ProjectChatProperties properties;

  public ProjectChatFace(ProjectChatProperties properties) {
    this.properties = properties;
  }

  /** One Pydantic validation error: where, what, of which type. */
  public static Map<String, Object> error(List<Object> loc, String msg, String type) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("type", type);
    error.put("loc", loc);
    error.put("msg", msg);
    return error;
  }

  /** 422 with these validation errors. */
  public static ApiException unprocessable(List<Map<String, Object>> errors) {
    return new ApiException(
        HttpStatus.UNPROCESSABLE_CONTENT,
        "validation_error",
        "Unprocessable Content",
        errors.isEmpty() ? "invalid request" : String.valueOf(errors.getFirst().get("msg")),
        Map.of("detail", List.copyOf(errors)),
        Map.of());
  }

  @Override
  public String name() {
    return ID;
  }

  @Override
  public String title() {
    return "The project-chat face (seed 002): the POST answers with the stream";
  }

  @Override
  public List<String> paths() {
    return List.of(CHAT_PATHS, PROJECT_PATHS);
  }

  /** The chat face only: the knowledge store is documented with the canonical face. */
  @Override
  public List<String> documentedPaths() {
    return List.of(CHAT_PATHS);
  }

  @Override
  public List<String> postPaths() {
    return POST_PATHS;
  }

  @Override
  public List<String> streamPaths() {
    return List.of();
  }

  /**
   * With {@code runstream.project-chat.api-key} set, the API key alone, acting for {@code
   * runstream.project-chat.organisation}; without it, the bearer JWT as on every face.
   */
  @Override
  public FaceAuthentication authentication() {
    return properties.keyed()
        ? new FaceAuthentication.ApiKey(
            API_KEY_HEADER, properties.apiKey(), properties.organisation(), properties.subject())
        : FaceAuthentication.BEARER;
  }

  @Override
  public boolean answers(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path != null
        && (path.startsWith("/api/v1/chat/")
            || path.equals("/api/v1/chat")
            || path.startsWith("/api/v1/projects/")
            || path.equals("/api/v1/projects"));
  }

  @Override
  public ResponseEntity<Object> response(ApiException e) {
    HttpHeaders headers = new HttpHeaders();
    e.headers().forEach(headers::set);
    headers.setContentType(MediaType.APPLICATION_JSON);
    Object detail = e.properties().get("detail");
    HttpStatus status = e.status();
    if (detail == null
        && status == HttpStatus.BAD_REQUEST
        && e.properties().get("errors") instanceof List<?> fields) {
      // A field the shared request readers refused: FastAPI says 422 with the field's location.
      List<Map<String, Object>> errors = new ArrayList<>();
      for (Object field : fields) {
        if (field instanceof Map<?, ?> map) {
          List<Object> loc = new ArrayList<>(List.of("body"));
          loc.addAll(List.of(String.valueOf(map.get("field")).split("\\.")));
          errors.add(error(loc, String.valueOf(map.get("reason")), "value_error"));
        }
      }
      detail = errors;
      status = HttpStatus.UNPROCESSABLE_CONTENT;
    }
    if (detail == null) {
      detail = status == HttpStatus.UNAUTHORIZED ? "Not authenticated" : e.getMessage();
    }
    return ResponseEntity.status(status).headers(headers).body(Map.of("detail", detail));
  }
}
