package io.runstream.core.face;

import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Problems;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The canonical face (docs/faces/README.md and docs/faces/canonical.md): sessions and runs, their
 * streams in the AI SDK's UI message stream. Served by the default security chain ({@code /api/**},
 * no chain of its own); its errors are problem+json, the dialect of every request no other face
 * answers.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CanonicalFace implements Face {
  /** The face's id. */
  public static final String ID = "canonical";

  /** A session's stream: its latest run. */
  public static final String SESSION_STREAM_PATH = "/api/v1/sessions/{sessionId}/stream";

  /** A run's stream. */
  public static final String RUN_STREAM_PATH = "/api/v1/runs/{runId}/stream";

  @Override
  public String name() {
    return ID;
  }

  @Override
  public String title() {
    return "Sessions and runs: the canonical face (AI SDK UI message stream)";
  }

  @Override
  public List<String> paths() {
    return List.of();
  }

  @Override
  public List<String> postPaths() {
    return List.of("/api/v1/sessions", "/api/v1/sessions/{sessionId}/messages", "/api/v1/runs");
  }

  @Override
  public List<String> streamPaths() {
    return List.of(SESSION_STREAM_PATH, RUN_STREAM_PATH);
  }

  @Override
  public List<String> documentedPaths() {
    return List.of(
        "/api/v1/sessions/**",
        "/api/v1/runs/**",
        "/api/v1/usage/**",
        "/api/v1/projects/**",
        "/api/v1/context/**",
        "/api/v1/auth/**");
  }

  /** The default dialect: it answers what no other face does, in {@link Problems}. */
  @Override
  public boolean answers(HttpServletRequest request) {
    return false;
  }

  @Override
  public ResponseEntity<Object> response(ApiException e) {
    return Problems.response(e);
  }
}
