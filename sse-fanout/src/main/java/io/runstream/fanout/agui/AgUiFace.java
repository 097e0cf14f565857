package io.runstream.fanout.agui;

import io.runstream.core.face.Face;
import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The AG-UI face ({@code docs/faces/ag-ui.md}): {@code POST /api/v1/ag-ui} takes AG-UI's {@code
 * RunAgentInput} and answers the run as AG-UI events over SSE. Bearer JWT. Its errors are JSON
 * {@code {"code", "message"}} (the fields of AG-UI's {@code RUN_ERROR}), with {@code errors} (the
 * field and the reason) for a malformed input: 400, 401, 404, 409, 429, 503.
 */
@Component
public class AgUiFace implements Face {
  /** The face's id, as run requests and sessions name it. */
  public static final String ID = "ag-ui";

  /** The run endpoint, whose answer is the run's stream. */
  public static final String RUN_PATH = "/api/v1/ag-ui";

  @Override
  public String name() {
    return ID;
  }

  @Override
  public String title() {
    return "The AG-UI face: RunAgentInput in, AG-UI events out (@ag-ui/client's HttpAgent)";
  }

  @Override
  public List<String> paths() {
    return List.of(RUN_PATH, RUN_PATH + "/**");
  }

  @Override
  public List<String> postPaths() {
    return List.of(RUN_PATH);
  }

  /** The POST is the stream: no stream GET (so no cookie, and no stream admission by path). */
  @Override
  public List<String> streamPaths() {
    return List.of();
  }

  @Override
  public boolean answers(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path != null && (path.equals(RUN_PATH) || path.startsWith(RUN_PATH + "/"));
  }

  @Override
  public ResponseEntity<Object> response(ApiException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", e.code());
    body.put("message", e.getMessage() == null ? e.title() : e.getMessage());
    Object errors = e.properties().get("errors");
    if (errors != null) {
      body.put("errors", errors);
    }
    HttpHeaders headers = new HttpHeaders();
    e.headers().forEach(headers::set);
    headers.setContentType(MediaType.APPLICATION_JSON);
    return ResponseEntity.status(e.status()).headers(headers).body(body);
  }
}
