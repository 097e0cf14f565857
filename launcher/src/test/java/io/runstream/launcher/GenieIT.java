package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.identity.DevTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The genie stream-chat face (docs/faces/genie.md, seed 000) as the seed documents it: {@code POST
 * /api/genie/stream-chat} answered by the SSE stream itself, data-only JSON events with an {@code
 * id:} each, exactly one final {@code finalizeResponseStream}; the onboarding gate; the secure
 * identity context and context nodes in the prompt; action tags as tool events; the admin route
 * with {@code X-Genie-Backend}; the seed's error bodies.
 */
class GenieIT extends PlatformIT {
  PostSse.Answer post(String token, String body, Map<String, String> headers, int limit)
      throws Exception {
    Map<String, String> all = new HashMap<>(headers);
    if (token != null) {
      all.put("Authorization", "Bearer " + token);
    }
    PostSse.Answer answer = PostSse.post(api().base() + "/api/genie/stream-chat", all, body, limit);
    assertThat(answer.events()).as("genie events are data-only").allMatch(e -> e.event() == null);
    return answer;
  }

  PostSse.Answer post(String token, String body) throws Exception {
    return post(token, body, Map.of(), Integer.MAX_VALUE);
  }

  static String text(List<PostSse.Event> events) {
    return events.stream()
        .filter(e -> e.type().equals("textResponseChunk"))
        .map(e -> e.json().path("textResponse").asString())
        .collect(Collectors.joining());
  }

  @Test
  void shouldAnswerTheSeedsRequestWithTheStreamItselfAndExactlyOneFinalizeLast() throws Exception {
    String token = TestApi.freshToken();
    PostSse.Answer answer =
        post(
            token,
            "{\"message\":\"Write a caption for my new photo set\",\"sessionId\":\"genie-abc123\","
                + "\"simulation\":{\"output_tokens\":40,\"tokens_per_second\":0}}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.response().headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    assertThat(answer.response().headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(answer.response().headers().firstValue("X-Accel-Buffering")).hasValue("no");
    List<PostSse.Event> events = answer.events();
    assertThat(events).allMatch(e -> e.id() != null);
    assertThat(events.stream().map(e -> Long.parseLong(e.id())).toList())
        .isSorted()
        .doesNotHaveDuplicates();
    PostSse.Event last = events.getLast();
    assertThat(last.json().toString())
        .isEqualTo(
            "{\"type\":\"finalizeResponseStream\",\"textResponse\":\"\",\"close\":true,\"error\":false}");
    assertThat(events.stream().filter(e -> e.type().equals("finalizeResponseStream")).count())
        .isEqualTo(1);
    PostSse.Event chunk =
        events.stream().filter(e -> e.type().equals("textResponseChunk")).findFirst().orElseThrow();
    assertThat(chunk.json().propertyNames())
        .containsExactly("type", "textResponse", "close", "error");
    assertThat(chunk.json().path("close").asBoolean()).isFalse();
    PostSse.Event stage =
        events.stream().filter(e -> e.type().equals("stage_update")).findFirst().orElseThrow();
    assertThat(stage.json().propertyNames())
        .containsExactly("type", "missionLabel", "mood", "leftPanel", "rightPanel", "stageTarget");
    assertThat(text(events)).contains("Write a caption for my new");

    // The same sessionId continues the conversation: its ids go on after the first turn's.
    PostSse.Answer second =
        post(
            token,
            "{\"message\":\"Shorter please\",\"sessionId\":\"genie-abc123\","
                + "\"simulation\":{\"output_tokens\":10,\"tokens_per_second\":0}}");
    assertThat(Long.parseLong(second.events().getFirst().id()))
        .isGreaterThan(Long.parseLong(last.id()));
    JsonNode sessions = api().get("/api/v1/sessions", token).json();
    assertThat(sessions.path("count").asInt()).isEqualTo(1);
    // Without a sessionId the conversation is genie-<sub>: another one.
    post(
        token, "{\"message\":\"Hi\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}");
    assertThat(api().get("/api/v1/sessions", token).json().path("count").asInt()).isEqualTo(2);
  }

  @Test
  void shouldResumeADroppedStreamWithLastEventIdAndMissNothing() throws Exception {
    String token = TestApi.freshToken();
    String body =
        "{\"message\":\"Tell me a long story\",\"sessionId\":\"s1\",\"simulation\":{\"output_tokens\":200,"
            + "\"tokens_per_second\":400}}";
    PostSse.Answer dropped = post(token, body, Map.of(), 5);
    assertThat(dropped.events()).hasSize(5);
    String lastId = dropped.events().getLast().id();
    PostSse.Answer resumed = post(token, body, Map.of("Last-Event-ID", lastId), Integer.MAX_VALUE);
    assertThat(resumed.status()).isEqualTo(200);
    assertThat(Long.parseLong(resumed.events().getFirst().id()))
        .isEqualTo(Long.parseLong(lastId) + 1);
    assertThat(resumed.events().getLast().type()).isEqualTo("finalizeResponseStream");
    // Nothing missed, nothing twice: the whole run read in one go says the same.
    List<PostSse.Event> whole = new ArrayList<>(dropped.events());
    whole.addAll(resumed.events());
    JsonNode messages = api().get("/api/v1/sessions", token).json();
    String sessionId = messages.path("results").get(0).path("uuid").asString();
    assertThat(messages.path("count").asInt()).isEqualTo(1);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        api()
                            .get("/api/v1/sessions/" + sessionId + "/messages", token)
                            .json()
                            .path("results")
                            .get(1)
                            .path("text")
                            .asString())
                    .isEqualTo(text(whole)));
    // Reconnecting with the final id: 204, nothing more.
    assertThat(
            post(token, body, Map.of("Last-Event-ID", resumed.events().getLast().id()), 10)
                .status())
        .isEqualTo(204);
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
            "/api/genie/stream-chat",
            token,
            "{\"message\":\"Write a caption for my new photo set\",\"sessionId\":\"genie-cut\","
                + "\"simulation\":{\"output_tokens\":120,\"tokens_per_second\":300}}",
            "1500",
            "finalizeResponseStream");
    assertThat(run.exitCode()).as(run.describe()).isZero();
    JsonNode outcome = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
    assertThat(outcome.path("cut").asBoolean()).as(run.describe()).isTrue();
    JsonNode requests = outcome.path("requests");
    assertThat(requests.size()).as(run.describe()).isEqualTo(2);
    assertThat(requests.get(0).path("lastEventId").isNull()).isTrue();
    List<JsonNode> events = outcome.path("events").valueStream().toList();
    assertThat(requests.get(1).path("lastEventId").asString()).as(run.describe()).isNotEmpty();
    List<Long> ids = events.stream().map(e -> Long.parseLong(e.path("id").asString())).toList();
    assertThat(ids).as(run.describe()).isSorted().doesNotHaveDuplicates();
    List<JsonNode> data =
        events.stream().map(e -> TestApi.JSON.readTree(e.path("data").asString())).toList();
    assertThat(data.getLast().path("type").asString()).isEqualTo("finalizeResponseStream");
    assertThat(
            data.stream()
                .filter(d -> d.path("type").asString().equals("finalizeResponseStream"))
                .count())
        .isEqualTo(1);
    // Nothing missed: the stored answer is exactly what the client assembled across the two
    // connections.
    String assembled =
        data.stream()
            .filter(d -> d.path("type").asString().equals("textResponseChunk"))
            .map(d -> d.path("textResponse").asString())
            .collect(Collectors.joining());
    String sessionId =
        api().get("/api/v1/sessions", token).json().path("results").get(0).path("uuid").asString();
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        api()
                            .get("/api/v1/sessions/" + sessionId + "/messages", token)
                            .json()
                            .path("results")
                            .get(1)
                            .path("text")
                            .asString())
                    .isEqualTo(assembled));
  }

  @Test
  void shouldGateUsersWhoseOnboardingIsIncompleteWithOneClosingMessageAndNoRun() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String subject = "creator-" + UUID.randomUUID();
    String token = TestApi.token(org, subject);
    String admin = TestApi.adminToken(org, "admin-" + UUID.randomUUID());
    TestApi.Answer set =
        api()
            .put(
                "/api/genie/admin/onboarding/" + subject, admin, "{\"phase\":\"DATA_COLLECTION\"}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.json().path("gated").asBoolean()).isTrue();
    PostSse.Answer gated = post(token, "{\"message\":\"Write a caption\"}");
    assertThat(gated.status()).isEqualTo(200);
    assertThat(gated.events()).hasSize(1);
    JsonNode only = gated.events().getFirst().json();
    assertThat(only.propertyNames()).containsExactly("type", "textResponse", "close", "error");
    assertThat(only.path("type").asString()).isEqualTo("textResponse");
    assertThat(only.path("textResponse").asString())
        .startsWith("Before I can generate content for you, I need to learn how you operate")
        .contains("Setup tab");
    assertThat(only.path("close").asBoolean()).isTrue();
    assertThat(only.path("error").asBoolean()).isFalse();

    // A client that reconnects after the gate's single answer (its id 0) is told it had everything.
    assertThat(
            post(token, "{\"message\":\"Write a caption\"}", Map.of("Last-Event-ID", "0"), 10)
                .status())
        .isEqualTo(204);
    api()
        .put(
            "/api/genie/admin/onboarding/" + subject,
            admin,
            "{\"phase\":\"PROCESSING\",\"sources_ingested\":3,\"sources_required\":10}");
    assertThat(
            post(token, "{\"message\":\"Write a caption\"}")
                .events()
                .getFirst()
                .json()
                .path("textResponse")
                .asString())
        .contains("3 / 10");
    assertThat(api().get("/api/v1/sessions", token).json().path("count").asInt())
        .as("no run started")
        .isZero();

    api().put("/api/genie/admin/onboarding/" + subject, admin, "{\"phase\":\"COMPLETE\"}");
    PostSse.Answer open =
        post(
            token,
            "{\"message\":\"Write a caption\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}");
    assertThat(open.events().getLast().type()).isEqualTo("finalizeResponseStream");
    assertThat(text(open.events())).isNotEmpty();

    // Only administrators manage the gate; errors in the face's dialect.
    TestApi.Answer denied =
        api().put("/api/genie/admin/onboarding/" + subject, token, "{\"phase\":\"COMPLETE\"}");
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.json().propertyNames()).containsExactly("error");
    assertThat(
            api()
                .put("/api/genie/admin/onboarding/" + subject, admin, "{\"phase\":\"DONE\"}")
                .status())
        .isEqualTo(400);
  }

  @Test
  void shouldRouteAdminsToTheAdminBackendWithTheSecureContextAndNodesInThePrompt()
      throws Exception {
    String org = "org-" + UUID.randomUUID();
    String subject = "7f3b2c1a-" + UUID.randomUUID().toString().substring(9);
    String admin = TestApi.adminToken(org, subject);
    api()
        .put(
            "/api/v1/context/nodes/voice",
            admin,
            "{\"content\":\"Warm and direct\",\"weight\":0.9}");
    String marker = "Platform status " + UUID.randomUUID();
    PostSse.Answer answer =
        post(admin, "{\"message\":" + TestApi.JSON.writeValueAsString(marker) + "}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.response().headers().firstValue("X-Genie-Backend"))
        .hasValue(FakeModels.ANTHROPIC);
    assertThat(text(answer.events())).isEqualTo("Hello from the local Anthropic server.");
    JsonNode request =
        TestApi.JSON.readTree(
            FakeModels.get().anthropic().requests().stream()
                .filter(b -> b.contains(marker))
                .findFirst()
                .orElseThrow());
    assertThat(request.path("system").toString()).contains("You serve an administrator.");
    String prompt =
        request.path("messages").get(0).path("content").isArray()
            ? request.path("messages").get(0).path("content").get(0).path("text").asString()
            : request.path("messages").get(0).path("content").asString();
    assertThat(prompt)
        .startsWith(
            "[SECURE_CONTEXT]\nuser_id: " + subject + "\nemail: " + subject + "@example.com\n")
        .contains("[USER_CONTEXT]\n- voice (weight 0.90): Warm and direct\n[/USER_CONTEXT]")
        .endsWith("\n\n---\n\n" + marker);

    // A creator never reaches the admin backend, whatever the request says.
    PostSse.Answer creator =
        post(
            TestApi.token(org, "creator-" + UUID.randomUUID()),
            "{\"message\":\"hi\",\"admin\":true,\"model\":\"local-claude/claude-x\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}");
    assertThat(creator.response().headers().firstValue("X-Genie-Backend")).isEmpty();
    assertThat(creator.response().headers().firstValue("X-Model-Backend")).hasValue("simulated");
  }

  @Test
  void shouldStreamActionTagsAsToolEventsNeverAsText() throws Exception {
    String token = TestApi.freshToken();
    PostSse.Answer answer =
        post(
            token,
            "{\"message\":\"Queue it\",\"simulation\":{\"script\":[{\"type\":\"text\",\"deltas\":["
                + "\"Queued. [ACTION:post-\",\"create:{\\\"title\\\":\\\"New photo set\\\",\\\"platform\\\":\",\"\\\"onlyfans\\\"}] Done.\"]}]}}");
    assertThat(text(answer.events())).isEqualTo("Queued.  Done.");
    PostSse.Event call =
        answer.events().stream()
            .filter(e -> e.type().equals("tool_call"))
            .findFirst()
            .orElseThrow();
    assertThat(call.json().path("name").asString()).isEqualTo("post-create");
    assertThat(call.json().path("input").path("platform").asString()).isEqualTo("onlyfans");
    PostSse.Event result =
        answer.events().stream()
            .filter(e -> e.type().equals("tool_result"))
            .findFirst()
            .orElseThrow();
    assertThat(result.json().path("output").path("queued").asBoolean()).isTrue();
    assertThat(
            answer.events().stream()
                .filter(e -> e.type().equals("stage_update"))
                .map(e -> e.json().path("stageTarget").asString())
                .toList())
        .contains("post-create");
  }

  @Test
  void shouldAnswerTheSeedsErrorsInItsOwnShape() throws Exception {
    String token = TestApi.freshToken();
    for (String body :
        List.of(
            "{}",
            "{\"message\":\"\"}",
            "{\"message\":\"   \"}",
            "{\"message\":null}",
            "{\"message\":42}")) {
      PostSse.Answer answer = post(token, body);
      assertThat(answer.status()).as(body).isEqualTo(400);
      assertThat(answer.body().strip()).as(body).isEqualTo("{\"error\":\"message required\"}");
    }
    PostSse.Answer tooLong =
        post(token, "{\"message\":" + TestApi.JSON.writeValueAsString("x".repeat(20_001)) + "}");
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.body()).startsWith("{\"error\":\"message: ");
    assertThat(post(token, "{\"message\":\"a\\u0000b\"}").status()).isEqualTo(400);
    List<String> bad = new ArrayList<>(BadInputIT.badTokens());
    bad.add(null);
    for (String token2 : bad) {
      PostSse.Answer answer = post(token2, "{\"message\":\"hi\"}");
      assertThat(answer.status()).as(String.valueOf(token2)).isEqualTo(401);
      assertThat(answer.body().strip()).isEqualTo("{\"error\":\"Unauthorized\"}");
    }
    String unprovisioned =
        DevTokens.mint(
            TestApi.SECRET, "lonely", null, "L", "l@example.com", false, Duration.ofHours(1));
    PostSse.Answer answer = post(unprovisioned, "{\"message\":\"hi\"}");
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body()).startsWith("{\"error\":\"Account setup incomplete");
  }
}
