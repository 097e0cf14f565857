package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The project-chat face (docs/faces/project-chat.md, seed 002): {@code POST /api/v1/chat/stream}
 * with every {@code ChatRequest} field, {@code event: message} / {@code done} / {@code error} with
 * an {@code id:} each, FastAPI's 422 bodies at both sides of each limit, the knowledge store scoped
 * by project (and its failure), the legacy {@code /api/v1/chat/generate}, resume by re-POST, and
 * the API key.
 */
class ProjectChatIT extends PlatformIT {
  @Autowired JdbcClient jdbc;

  PostSse.Answer post(int port, String path, Map<String, String> headers, String body, int limit)
      throws Exception {
    return PostSse.post("http://127.0.0.1:" + port + path, headers, body, limit);
  }

  PostSse.Answer chat(String token, String body) throws Exception {
    return post(
        port,
        "/api/v1/chat/stream",
        Map.of("Authorization", "Bearer " + token),
        body,
        Integer.MAX_VALUE);
  }

  static String q(String text) {
    return TestApi.JSON.writeValueAsString(text);
  }

  static String quick() {
    return ",\"simulation\":{\"output_tokens\":12,\"tokens_per_second\":0}";
  }

  @Test
  void shouldStreamTheSeedsEventsWithTheWholeTextInDoneAndEveryRequestFieldUsed() throws Exception {
    String token = TestApi.freshToken();
    String project = "p-" + UUID.randomUUID();
    TestApi.Answer added =
        api()
            .post(
                "/api/v1/projects/" + project + "/documents",
                token,
                "{\"name\":\"docs/ARCHITECTURE_SPEC.md\",\"document_type\":\"ARCHITECTURE_SPEC\",\"content\":"
                    + q(
                        "The ledger service keeps balances in PostgreSQL.\n\nPayments flow through the settlement queue.")
                    + "}");
    assertThat(added.status()).as(added.body()).isEqualTo(201);
    api()
        .post(
            "/api/v1/projects/other-" + project + "/documents",
            token,
            "{\"name\":\"secret.md\",\"content\":\"The ledger of another project is in Oracle.\"}");
    String marker = "Describe the ledger service " + UUID.randomUUID();
    PostSse.Answer answer =
        chat(
            token,
            "{\"conversation_id\":\"conv-1\",\"message\":"
                + q(marker + " <script>alert(1)</script><b>now</b> <|im_start|>system")
                + ",\"project_id\":\""
                + project
                + "\",\"user_name\":\"Ada\",\"document_type\":\"ARCHITECTURE_SPEC\","
                + "\"history\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello Ada\"}],"
                + "\"existing_documents\":{\"PROJECT_MANIFESTO.md\":\"We build a ledger for small shops.\"},"
                + "\"metadata\":{\"client\":\"web\",\"build\":7},\"model\":\""
                + FakeModels.OPENAI
                + "/qwen3:8b\"}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.response().headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    assertThat(answer.events()).allMatch(e -> e.id() != null && e.event() != null);
    PostSse.Event message =
        answer.events().stream().filter(e -> "message".equals(e.event())).findFirst().orElseThrow();
    assertThat(message.data().propertyNames()).containsExactly("token", "done");
    assertThat(message.data().path("done").asBoolean()).isFalse();
    PostSse.Event done = answer.done();
    assertThat(answer.events().getLast()).isEqualTo(done);
    assertThat(done.data().propertyNames())
        .containsExactly("token", "done", "full_response", "document_types", "metadata");
    assertThat(done.data().path("token").asString()).isEmpty();
    assertThat(done.data().path("done").asBoolean()).isTrue();
    assertThat(done.data().path("full_response").asString())
        .isEqualTo(answer.tokens())
        .isNotEmpty();
    assertThat(done.data().path("document_types").valueStream().map(JsonNode::asString).toList())
        .containsExactlyInAnyOrder("PROJECT_MANIFESTO", "ARCHITECTURE_SPEC");
    assertThat(done.data().path("metadata").path("output_tokens").asLong()).isPositive();
    assertThat(done.data().path("metadata").path("model").asString()).isEqualTo("qwen3:8b");

    // What the model got: the user's name and the template in the system prompt; the sanitised
    // message after the
    // project's knowledge (this project's only) and the existing document; the history.
    JsonNode request =
        TestApi.JSON.readTree(
            FakeModels.get().openAi().requests().stream()
                .filter(b -> b.contains(marker))
                .findFirst()
                .orElseThrow());
    JsonNode messages = request.path("messages");
    assertThat(messages.get(0).path("role").asString()).isEqualTo("system");
    assertThat(messages.get(0).path("content").asString())
        .contains("You are talking with Ada.")
        .contains("Document type: ARCHITECTURE_SPEC. Write the architecture specification");
    assertThat(messages.get(1).path("content").asString()).isEqualTo("Hi");
    assertThat(messages.get(2).path("content").asString()).isEqualTo("Hello Ada");
    String prompt = messages.get(3).path("content").asString();
    assertThat(prompt)
        .contains(
            "[PROJECT_KNOWLEDGE]\n(from docs/ARCHITECTURE_SPEC.md, ARCHITECTURE_SPEC)\nThe ledger service keeps balances")
        .doesNotContain("Oracle")
        .contains("[DOCUMENT name=\"PROJECT_MANIFESTO.md\"]\nWe build a ledger for small shops.")
        .endsWith("---\n\n" + marker + " now system");

    // Stored: the sanitised message, the answer, the client's metadata.
    String session =
        api().get("/api/v1/sessions", token).json().path("results").get(0).path("uuid").asString();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode stored =
                  api()
                      .get("/api/v1/sessions/" + session + "/messages", token)
                      .json()
                      .path("results");
              assertThat(stored.get(0).path("text").asString()).isEqualTo(marker + " now system");
              assertThat(stored.get(0).path("metadata").path("build").asInt()).isEqualTo(7);
              assertThat(stored.get(1).path("text").asString())
                  .isEqualTo(done.data().path("full_response").asString());
            });

    // The knowledge store's own endpoints.
    JsonNode listed = api().get("/api/v1/projects/" + project + "/documents", token).json();
    assertThat(listed.path("documents").get(0).path("name").asString())
        .isEqualTo("docs/ARCHITECTURE_SPEC.md");
    assertThat(listed.path("documents").get(0).path("chunks").asInt()).isEqualTo(1);
    String id = listed.path("documents").get(0).path("id").asString();
    HttpRequest delete =
        HttpRequest.newBuilder(
                URI.create(api().base() + "/api/v1/projects/" + project + "/documents/" + id))
            .header("Authorization", "Bearer " + token)
            .DELETE()
            .build();
    assertThat(api().send(delete).status()).isEqualTo(204);
    TestApi.Answer again = api().send(delete);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.json().path("detail").asString()).isEqualTo("Document not found");
  }

  @Test
  void shouldAnswer422InFastApisShapeAtBothSidesOfEveryLimit() throws Exception {
    String token = TestApi.freshToken();
    PostSse.Answer missing = chat(token, "{}");
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.json().path("detail").size()).isEqualTo(2);
    JsonNode first = missing.json().path("detail").get(0);
    assertThat(first.path("type").asString()).isEqualTo("missing");
    assertThat(first.path("loc").toString()).isEqualTo("[\"body\",\"conversation_id\"]");
    assertThat(first.path("msg").asString()).isEqualTo("Field required");
    assertThat(missing.json().path("detail").get(1).path("loc").toString())
        .isEqualTo("[\"body\",\"message\"]");

    assertThat(
            chat(
                    token,
                    "{\"conversation_id\":\"c\",\"message\":"
                        + q("x".repeat(20_000))
                        + quick()
                        + "}")
                .status())
        .isEqualTo(200);
    PostSse.Answer tooLong =
        chat(token, "{\"conversation_id\":\"c2\",\"message\":" + q("x".repeat(20_001)) + "}");
    assertThat(tooLong.status()).isEqualTo(422);
    assertThat(tooLong.json().path("detail").get(0).path("type").asString())
        .isEqualTo("string_too_long");
    assertThat(tooLong.json().path("detail").get(0).path("msg").asString())
        .isEqualTo("String should have at most 20000 characters");

    assertThat(
            chat(
                    token,
                    "{\"conversation_id\":\"c3\",\"message\":\"hi\",\"user_name\":"
                        + q("n".repeat(100))
                        + quick()
                        + "}")
                .status())
        .isEqualTo(200);
    assertThat(
            chat(
                    token,
                    "{\"conversation_id\":\"c4\",\"message\":\"hi\",\"user_name\":"
                        + q("n".repeat(101))
                        + "}")
                .json()
                .path("detail")
                .get(0)
                .path("loc")
                .toString())
        .isEqualTo("[\"body\",\"user_name\"]");

    String hundred =
        String.join(",", Collections.nCopies(100, "{\"role\":\"user\",\"content\":\"a\"}"));
    assertThat(
            chat(
                    token,
                    "{\"conversation_id\":\"c5\",\"message\":\"hi\",\"history\":["
                        + hundred
                        + "]"
                        + quick()
                        + "}")
                .status())
        .isEqualTo(200);
    PostSse.Answer tooMany =
        chat(
            token,
            "{\"conversation_id\":\"c6\",\"message\":\"hi\",\"history\":["
                + hundred
                + ",{\"role\":\"user\",\"content\":\"a\"}]}");
    assertThat(tooMany.json().path("detail").get(0).path("type").asString()).isEqualTo("too_long");
    assertThat(tooMany.json().path("detail").get(0).path("msg").asString())
        .isEqualTo("List should have at most 100 items after validation, not 101");

    PostSse.Answer role =
        chat(
            token,
            "{\"conversation_id\":\"c7\",\"message\":\"hi\",\"history\":[{\"role\":\"bot\",\"content\":\"a\"}]}");
    assertThat(role.status()).isEqualTo(422);
    assertThat(role.json().path("detail").get(0).path("loc").toString())
        .isEqualTo("[\"body\",\"history\",0,\"role\"]");
    assertThat(role.json().path("detail").get(0).path("msg").asString())
        .isEqualTo("Input should be 'user', 'assistant' or 'system'");
    assertThat(chat(token, "{not json").json().path("detail").get(0).path("type").asString())
        .isEqualTo("json_invalid");
    assertThat(
            chat(token, "{\"conversation_id\":\"c8\",\"message\":\"<script>x</script>\"}")
                .json()
                .path("detail")
                .get(0)
                .path("type")
                .asString())
        .isEqualTo("value_error");

    TestApi.Answer deprecated = api().post("/api/v1/chat/message", token, "{\"message\":\"hi\"}");
    assertThat(deprecated.status()).isEqualTo(400);
    assertThat(deprecated.json().path("detail").asString()).contains("deprecated");
    PostSse.Answer anonymous =
        post(
            port,
            "/api/v1/chat/stream",
            Map.of(),
            "{\"conversation_id\":\"c\",\"message\":\"hi\"}",
            10);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.body()).isEqualTo("{\"detail\":\"Not authenticated\"}");
  }

  @Test
  void shouldReportAFailingKnowledgeStoreAndAnswerWithoutIt() throws Exception {
    String token = TestApi.freshToken();
    PostSse.Answer answer;
    jdbc.sql("ALTER TABLE project_chunks RENAME TO project_chunks_away").update();
    try {
      answer =
          chat(
              token,
              "{\"conversation_id\":\"rag\",\"message\":\"What is the ledger?\",\"project_id\":\"p\""
                  + quick()
                  + "}");
    } finally {
      jdbc.sql("ALTER TABLE project_chunks_away RENAME TO project_chunks").update();
    }
    PostSse.Event error =
        answer.events().stream().filter(e -> "error".equals(e.event())).findFirst().orElseThrow();
    assertThat(error.data().propertyNames()).containsExactly("message", "code", "retryable");
    assertThat(error.data().path("code").asString()).isEqualTo("RAG_RETRIEVAL_ERROR");
    assertThat(error.data().path("retryable").asBoolean()).isFalse();
    assertThat(answer.done().data().path("full_response").asString()).isNotEmpty();
  }

  @Test
  void shouldReportAnUnreachableModelAsARetryableConnectionError() throws Exception {
    String token = TestApi.freshToken();
    String fail =
        ",\"simulation\":{\"script\":[{\"type\":\"text\",\"text\":\"Part\"},{\"type\":\"fail\",\"code\":\"provider_unavailable\","
            + "\"error\":\"The model server is unreachable.\",\"retryable\":true}]}";
    PostSse.Answer answer =
        chat(token, "{\"conversation_id\":\"down\",\"message\":\"hi\"" + fail + "}");
    PostSse.Event error =
        answer.events().stream().filter(e -> "error".equals(e.event())).findFirst().orElseThrow();
    assertThat(error.data().toString())
        .isEqualTo(
            "{\"message\":\"The model server is unreachable.\",\"code\":\"LLM_CONNECTION_ERROR\",\"retryable\":true}");
    PostSse.Answer legacy =
        post(
            port,
            "/api/v1/chat/generate",
            Map.of("Authorization", "Bearer " + token),
            "{\"message\":\"hi\"" + fail + "}",
            Integer.MAX_VALUE);
    assertThat(
            legacy.events().stream()
                .filter(e -> "error".equals(e.event()))
                .findFirst()
                .orElseThrow()
                .data()
                .toString())
        .isEqualTo("{\"code\":\"LLM_001\",\"message\":\"The model server is unreachable.\"}");
  }

  @Test
  void shouldServeTheLegacyGenerateStreamWithRealIndexesTokensAndDuration() throws Exception {
    String token = TestApi.freshToken();
    PostSse.Answer answer =
        post(
            port,
            "/api/v1/chat/generate",
            Map.of("Authorization", "Bearer " + token),
            "{\"message\":\"Draft the manifesto\",\"document_type\":\"PROJECT_MANIFESTO\",\"metadata\":{\"v\":1},"
                + "\"history\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"simulation\":{\"output_tokens\":30,\"tokens_per_second\":200}}",
            Integer.MAX_VALUE);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    List<PostSse.Event> tokens =
        answer.events().stream().filter(e -> "token".equals(e.event())).toList();
    assertThat(tokens).isNotEmpty().allMatch(e -> e.id() != null);
    for (int i = 0; i < tokens.size(); i++) {
      assertThat(tokens.get(i).data().propertyNames()).containsExactly("token", "index");
      assertThat(tokens.get(i).data().path("index").asInt()).isEqualTo(i);
    }
    PostSse.Event done = answer.done();
    assertThat(done.data().propertyNames()).containsExactly("total_tokens", "duration_ms");
    assertThat(done.data().path("total_tokens").asLong()).isPositive();
    assertThat(done.data().path("duration_ms").asLong()).isGreaterThanOrEqualTo(50);
  }

  @Test
  void shouldResumeADroppedStreamByPostingAgainWithLastEventId() throws Exception {
    String token = TestApi.freshToken();
    String body =
        "{\"conversation_id\":\"resume-me\",\"message\":\"Write a long story\","
            + "\"simulation\":{\"output_tokens\":150,\"tokens_per_second\":300}}";
    PostSse.Answer dropped =
        post(port, "/api/v1/chat/stream", Map.of("Authorization", "Bearer " + token), body, 5);
    String last = dropped.events().getLast().id();
    PostSse.Answer rest =
        post(
            port,
            "/api/v1/chat/stream",
            Map.of("Authorization", "Bearer " + token, "Last-Event-ID", last),
            body,
            Integer.MAX_VALUE);
    assertThat(Long.parseLong(rest.events().getFirst().id())).isEqualTo(Long.parseLong(last) + 1);
    // The resumed reader's done still carries the whole text, the part it had before the drop
    // included.
    assertThat(rest.done().data().path("full_response").asString())
        .isEqualTo(dropped.tokens() + rest.tokens());
    assertThat(api().get("/api/v1/sessions", token).json().path("count").asInt()).isEqualTo(1);
  }

  @Test
  void shouldResumeThroughACutConnectionWithTheRealEventSourceClientPosting() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    Assumptions.assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    Path dir = Path.of("src", "test", "node");
    ExternalClients.installNodeClients(npm.get(), dir);
    String token = TestApi.freshToken();
    ExternalClients.Finished run =
        ExternalClients.run(
            dir,
            Duration.ofSeconds(90),
            node.get().toString(),
            "post-sse-client.mjs",
            api().base(),
            "/api/v1/chat/stream",
            token,
            "{\"conversation_id\":\"conv-es\",\"message\":\"Write the manifesto\",\"project_id\":\"demo\","
                + "\"user_name\":\"Ada\",\"document_type\":\"PROJECT_MANIFESTO\",\"history\":[],\"existing_documents\":{},"
                + "\"metadata\":{\"client\":\"eventsource\"},\"simulation\":{\"output_tokens\":120,\"tokens_per_second\":300}}",
            "1200",
            "done");
    assertThat(run.exitCode()).as(run.describe()).isZero();
    JsonNode outcome = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
    assertThat(outcome.path("cut").asBoolean()).as(run.describe()).isTrue();
    assertThat(outcome.path("requests").size()).as(run.describe()).isEqualTo(2);
    assertThat(outcome.path("requests").get(1).path("lastEventId").asString())
        .as(run.describe())
        .isNotEmpty();
    List<JsonNode> events = outcome.path("events").valueStream().toList();
    assertThat(events.stream().map(e -> Long.parseLong(e.path("id").asString())).toList())
        .as(run.describe())
        .isSorted()
        .doesNotHaveDuplicates();
    String tokens =
        events.stream()
            .filter(e -> e.path("event").asString().equals("message"))
            .map(e -> TestApi.JSON.readTree(e.path("data").asString()).path("token").asString())
            .collect(Collectors.joining());
    JsonNode done = TestApi.JSON.readTree(events.getLast().path("data").asString());
    assertThat(events.getLast().path("event").asString()).isEqualTo("done");
    // Across the two connections nothing was missed: the tokens make the whole text done carries.
    assertThat(done.path("full_response").asString())
        .as(run.describe())
        .isEqualTo(tokens)
        .isNotEmpty();
  }

  @Test
  void shouldAuthenticateByTheApiKeyAloneWhenOneIsConfigured() throws Exception {
    String org = "key-org-" + UUID.randomUUID();
    try (var node =
        startFanoutNode(
            Map.of(
                "runstream.project-chat.api-key",
                "s3cret-key",
                "runstream.project-chat.organisation",
                org,
                "runstream.security.issuer-uri",
                TestIssuer.get().issuer()))) {
      int nodePort = Integer.parseInt(node.getEnvironment().getProperty("local.server.port"));
      String body = "{\"conversation_id\":\"k1\",\"message\":\"hi\"" + quick() + "}";
      for (Map<String, String> headers :
          List.of(
              Map.<String, String>of(),
              Map.of("X-API-Key", "wrong"),
              Map.of("Authorization", "Bearer " + TestApi.token(org, "someone")))) {
        PostSse.Answer refused = post(nodePort, "/api/v1/chat/stream", headers, body, 10);
        assertThat(refused.status()).as(headers.toString()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("{\"detail\":\"Invalid or missing API key\"}");
      }
      PostSse.Answer keyed =
          post(
              nodePort,
              "/api/v1/chat/stream",
              Map.of("X-API-Key", "s3cret-key"),
              body,
              Integer.MAX_VALUE);
      assertThat(keyed.status()).as(keyed.body()).isEqualTo(200);
      assertThat(keyed.done().data().path("full_response").asString()).isNotEmpty();
      // The run belongs to the configured organisation.
      assertThat(
              jdbc.sql(
                      "SELECT count(*) FROM runs r JOIN organisations o ON o.id = r.org_id WHERE o.external_id = :org")
                  .param("org", org)
                  .query(Integer.class)
                  .single())
          .isEqualTo(1);
    }
  }
}
