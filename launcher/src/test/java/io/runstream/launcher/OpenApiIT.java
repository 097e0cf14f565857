package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.api.OpenApiDocuments;
import io.runstream.core.face.Face;
import io.runstream.core.face.FaceRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Issue #26 item 3 (in part): an OpenAPI 3.1 document per face, generated from the controllers,
 * public like the contract, each with every endpoint of its face and nothing of another; Swagger UI
 * served.
 */
class OpenApiIT extends PlatformIT {
  @Autowired FaceRegistry faces;

  private static final Map<String, List<String>> EXPECTED =
      Map.of(
          "canonical",
              List.of(
                  "/api/v1/sessions",
                  "/api/v1/sessions/{sessionId}/stream",
                  "/api/v1/sessions/{sessionId}/messages",
                  "/api/v1/sessions/{sessionId}/stream/stop",
                  "/api/v1/runs",
                  "/api/v1/runs/{runId}",
                  "/api/v1/runs/{runId}/stream",
                  "/api/v1/runs/{runId}/cancel",
                  "/api/v1/runs/{runId}/tool-results",
                  "/api/v1/usage"),
          "agent-stream", List.of("/ai/agent/stream", "/ai/stream/{streamId}"),
          "project-chat",
              List.of("/api/v1/chat/stream", "/api/v1/chat/generate", "/api/v1/chat/message"),
          "genie", List.of("/api/genie/stream-chat"),
          "ag-ui", List.of("/api/v1/ag-ui"),
          "operations", List.of("/api/v1/admin/budget"));

  @Test
  void shouldServeOneOpenApiDocumentPerFaceWithEveryEndpointOfThatFaceOnly() {
    List<String> groups = new ArrayList<>();
    faces.faces().forEach(face -> groups.add(face.name()));
    groups.add(OpenApiDocuments.OPERATIONS);
    assertThat(groups).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    for (String group : groups) {
      TestApi.Answer answer = api().get("/v3/api-docs/" + group, null);
      assertThat(answer.status()).as(group).isEqualTo(200);
      JsonNode document = answer.json();
      assertThat(document.path("openapi").asString()).as(group).startsWith("3.1");
      assertThat(document.path("components").path("securitySchemes").has("bearer")).isTrue();
      List<String> paths = new ArrayList<>();
      document.path("paths").propertyNames().forEach(paths::add);
      assertThat(paths).as(group).containsAll(EXPECTED.get(group));
      for (Map.Entry<String, List<String>> other : EXPECTED.entrySet()) {
        if (!other.getKey().equals(group)) {
          assertThat(paths)
              .as("%s has none of %s", group, other.getKey())
              .doesNotContainAnyElementsOf(other.getValue());
        }
      }
    }
    for (Face face : faces.faces()) {
      // Every registered face's POSTs and streams are in its own document.
      JsonNode document = api().get("/v3/api-docs/" + face.name(), null).json();
      for (String path : face.postPaths()) {
        assertThat(document.path("paths").has(path)).as("%s %s", face.name(), path).isTrue();
      }
      for (String path : face.streamPaths()) {
        assertThat(document.path("paths").has(path)).as("%s %s", face.name(), path).isTrue();
      }
    }
    JsonNode all = api().get("/v3/api-docs", null).json();
    assertThat(all.path("paths").has("/api/v1/runs/{runId}/stream")).isTrue();
    assertThat(all.path("paths").has("/ai/agent/stream")).isTrue();
    TestApi.Answer ui = api().get("/swagger-ui/index.html", null);
    assertThat(ui.status()).isEqualTo(200);
    assertThat(ui.body()).containsIgnoringCase("swagger");
  }
}
