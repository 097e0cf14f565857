package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.runstream.core.api.FaceContract;
import io.runstream.core.api.OpenApiDocuments;
import io.runstream.core.face.Face;
import io.runstream.core.face.FaceRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

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
                  "/api/v1/runs/{runId}/tool-approvals",
                  "/api/v1/usage"),
          "agent-stream", List.of("/ai/agent/stream", "/ai/stream/{streamId}"),
          "project-chat",
              List.of("/api/v1/chat/stream", "/api/v1/chat/generate", "/api/v1/chat/message"),
          "genie", List.of("/api/genie/stream-chat"),
          "responses",
              List.of(
                  "/v1/responses",
                  "/v1/responses/{responseId}",
                  "/v1/responses/{responseId}/cancel"),
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

  /**
   * Every face's document names its request, answer and error schemas (issue #26 item 3), and real
   * requests and answers of each face validate against them: a request the face accepts, its JSON
   * answer where it has one, and an error answer in the face's dialect.
   */
  @Test
  void shouldNameEachFacesSchemasAndValidateItsRealRequestsAndAnswersAgainstThem()
      throws Exception {
    String token = TestApi.freshToken();
    String quick = "\"simulation\":{\"output_tokens\":2,\"tokens_per_second\":0}";
    for (Face face : faces.faces()) {
      JsonNode document = api().get("/v3/api-docs/" + face.name(), null).json();
      JsonNode schemas = document.path("components").path("schemas");
      FaceContract contract = FaceContract.load(face.contract());
      assertThat(contract)
          .as("%s names its schemas in %s", face.name(), face.contract())
          .isNotNull();
      for (String path : face.postPaths()) {
        JsonNode post = document.path("paths").path(path).path("post");
        String request =
            post.path("requestBody")
                .path("content")
                .path("application/json")
                .path("schema")
                .path("$ref")
                .asString();
        assertThat(request)
            .as("%s POST %s request schema", face.name(), path)
            .startsWith("#/components/schemas/");
        assertThat(schemas.has(request.substring(request.lastIndexOf('/') + 1)))
            .as(request)
            .isTrue();
      }
      document
          .path("paths")
          .properties()
          .forEach(
              path ->
                  path.getValue()
                      .properties()
                      .forEach(
                          operation ->
                              assertThat(
                                      operation
                                          .getValue()
                                          .path("responses")
                                          .path("4XX")
                                          .path("content")
                                          .findValue("$ref")
                                          .asString())
                                  .as(
                                      "%s %s %s errors",
                                      face.name(), operation.getKey(), path.getKey())
                                  .isEqualTo("#/components/schemas/" + contract.errors())));
    }
    // canonical: a run and a session, accepted; a run without its input, refused
    String run = "{\"input\":\"hi\"," + quick + "}";
    assertValid("canonical", "CreateRunRequest", run);
    TestApi.Answer accepted = api().post("/api/v1/runs", token, run);
    assertThat(accepted.status()).isEqualTo(202);
    assertValid("canonical", "RunAccepted", accepted.body());
    String session = "{\"text\":\"hi\"," + quick + "}";
    assertValid("canonical", "CreateSessionRequest", session);
    TestApi.Answer created = api().post("/api/v1/sessions", token, session);
    assertThat(created.status()).isEqualTo(201);
    assertValid("canonical", "SessionCreated", created.body());
    TestApi.Answer refused = api().post("/api/v1/runs", token, "{}");
    assertThat(refused.status()).isEqualTo(400);
    assertValid("canonical", "Problem", refused.body());
    assertInvalid("canonical", "CreateRunRequest", "{}");
    // agent stream
    String agent = "{\"task\":\"hi\"," + quick + "}";
    assertValid("agent-stream", "AgentStreamRequest", agent);
    String org = "org-" + UUID.randomUUID();
    String orgToken = TestApi.token(org, "user-" + UUID.randomUUID());
    TestApi.Answer started =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("orgid", org)
                    .header("Authorization", "Bearer " + orgToken)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(agent))
                    .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    assertValid("agent-stream", "AgentStreamStarted", started.body());
    TestApi.Answer noTask = api().post("/ai/agent/stream", token, "{\"agentRole\":\"chat\"}");
    assertThat(noTask.status()).isEqualTo(400);
    assertValid("agent-stream", "AgentStreamError", noTask.body());
    assertInvalid("agent-stream", "AgentStreamRequest", "{\"agentRole\":\"chat\"}");
    // project chat: the stream itself answers; a missing field is FastAPI's 422
    String chat =
        "{\"conversation_id\":\"c-" + UUID.randomUUID() + "\",\"message\":\"hi\"," + quick + "}";
    assertValid("project-chat", "ChatRequest", chat);
    PostSse.Answer streamed =
        PostSse.post(
            api().base() + "/api/v1/chat/stream",
            Map.of("Authorization", "Bearer " + token),
            chat,
            Integer.MAX_VALUE);
    assertThat(streamed.status()).isEqualTo(200);
    TestApi.Answer noMessage =
        api().post("/api/v1/chat/stream", token, "{\"conversation_id\":\"c\"}");
    assertThat(noMessage.status()).isEqualTo(422);
    assertValid("project-chat", "ProjectChatError", noMessage.body());
    assertInvalid("project-chat", "ChatRequest", "{\"conversation_id\":\"c\"}");
    // genie
    String genie = "{\"message\":\"hi\"," + quick + "}";
    assertValid("genie", "GenieStreamChatRequest", genie);
    PostSse.Answer genieAnswer =
        PostSse.post(
            api().base() + "/api/genie/stream-chat",
            Map.of("Authorization", "Bearer " + token),
            genie,
            Integer.MAX_VALUE);
    assertThat(genieAnswer.status()).isEqualTo(200);
    TestApi.Answer genieRefused = api().post("/api/genie/stream-chat", null, genie);
    assertThat(genieRefused.status()).isEqualTo(401);
    assertValid("genie", "GenieError", genieRefused.body());
    // AG-UI (its runs through HttpAgent: AgUiIT)
    String agUi =
        "{\"threadId\":\"t\",\"runId\":\"r\",\"messages\":[{\"id\":\"m\",\"role\":\"user\","
            + "\"content\":\"hi\"}],\"forwardedProps\":{"
            + quick
            + "}}";
    assertValid("ag-ui", "RunAgentInput", agUi);
    assertInvalid("ag-ui", "RunAgentInput", "{\"threadId\":\"t\"}");
    TestApi.Answer agUiRefused = api().post("/api/v1/ag-ui", null, agUi);
    assertThat(agUiRefused.status()).isEqualTo(401);
    assertValid("ag-ui", "AgUiError", agUiRefused.body());
    TestApi.Answer agUiBad = api().post("/api/v1/ag-ui", token, "{\"threadId\":\"t\"}");
    assertThat(agUiBad.status()).isEqualTo(400);
    assertValid("ag-ui", "AgUiError", agUiBad.body());
  }

  private void assertValid(String face, String schema, String json) throws Exception {
    assertThat(validate(face, schema, json)).as("%s %s: %s", face, schema, json).isEmpty();
  }

  private void assertInvalid(String face, String schema, String json) throws Exception {
    assertThat(validate(face, schema, json))
        .as("%s %s refuses %s", face, schema, json)
        .isNotEmpty();
  }

  /**
   * Validates {@code json} against the named schema of the face's served document (JSON Schema
   * 2020-12, as OpenAPI 3.1's schemas are; the validator the MCP SDK brings).
   */
  private List<Error> validate(String face, String schema, String json) throws Exception {
    JsonNode components = api().get("/v3/api-docs/" + face, null).json().path("components");
    ObjectNode root = TestApi.JSON.createObjectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.put("$ref", "#/components/schemas/" + schema);
    root.set("components", components);
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(root.toString())
        .validate(TestApi.JSON.readTree(json));
  }
}
