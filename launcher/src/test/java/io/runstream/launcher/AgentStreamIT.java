package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The agent-stream face (docs/faces/agent-stream.md, seed 001), as the seed's clients use it:
 * {@code POST /ai/agent/stream} with {@code orgid} and the bearer token, then {@code GET
 * /ai/stream/{streamId}}: {@code event: data} frames of the seed's chunk shapes with an {@code id:}
 * each, then {@code event: end} with {@code data: {}}.
 */
class AgentStreamIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Autowired JdbcClient jdbc;

  /** A caller: its organisation as the token names it, and the token. */
  record Caller(String org, String subject, String token) {
    Map<String, String> orgid() {
      return Map.of("orgid", org);
    }
  }

  static Caller caller() {
    String org = "org-" + UUID.randomUUID();
    String subject = "user-" + UUID.randomUUID();
    return new Caller(org, subject, TestApi.token(org, subject));
  }

  TestApi.Answer start(Caller caller, String body) {
    return api()
        .send(
            HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                .header("orgid", caller.org())
                .header("Authorization", "Bearer " + caller.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
  }

  String streamId(Caller caller, String body) {
    TestApi.Answer answer = start(caller, body);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json().propertyNames()).containsExactly("streamId");
    return answer.json().path("streamId").asString();
  }

  List<TestApi.Event> read(Caller caller, String streamId, Map<String, String> extra)
      throws Exception {
    Map<String, String> headers = new HashMap<>(caller.orgid());
    headers.putAll(extra);
    try (TestApi.Stream stream = api().stream("/ai/stream/" + streamId, caller.token(), headers)) {
      assertThat(stream.status).isEqualTo(200);
      assertThat(stream.response.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/event-stream");
      return stream.all(WAIT);
    }
  }

  static String text(List<TestApi.Event> events) {
    return events.stream()
        .filter(e -> "data".equals(e.event()) && e.json().path("type").asString().equals("text"))
        .map(e -> e.json().path("text").asString())
        .collect(Collectors.joining());
  }

  @Test
  void shouldServeTheSeedsTwoStepFlowWithAnIdOnEveryFrameAndAnEndEvent() throws Exception {
    Caller caller = caller();
    String id =
        streamId(
            caller,
            "{\"task\":\"Hello\",\"agentRole\":\"chat\",\"conversationId\":\"c1\",\"context\":{\"aiMode\":\"auto\"},"
                + "\"simulation\":{\"output_tokens\":60,\"tokens_per_second\":0}}");
    List<TestApi.Event> events = read(caller, id, Map.of());

    assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.ownId()).isTrue());
    assertThat(events).extracting(TestApi.Event::seq).isSorted().doesNotHaveDuplicates();
    assertThat(events.subList(0, events.size() - 1))
        .allSatisfy(e -> assertThat(e.event()).isEqualTo("data"));
    TestApi.Event end = events.getLast();
    assertThat(end.event()).isEqualTo("end");
    assertThat(end.data()).isEqualTo("{}");
    assertThat(
            events.stream()
                .map(e -> e.json().path("type").asString())
                .filter(t -> !t.isEmpty())
                .distinct())
        .containsExactly("text", "usage");
    JsonNode usage = events.get(events.size() - 2).json();
    assertThat(usage.propertyNames())
        .containsExactly("type", "model", "inputTokens", "outputTokens");
    assertThat(usage.path("outputTokens").asLong()).isPositive();
    assertThat(events.stream().filter(e -> "text".equals(e.json().path("type").asString())))
        .allSatisfy(e -> assertThat(e.json().propertyNames()).containsExactly("type", "text"));

    // The conversation is one of the user's sessions, and its stored reply is exactly the streamed
    // text.
    JsonNode sessions = api().get("/api/v1/sessions", caller.token()).json();
    assertThat(sessions.path("count").asLong()).isEqualTo(1);
    String session = sessions.path("results").get(0).path("uuid").asString();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode messages =
                  api()
                      .get("/api/v1/sessions/" + session + "/messages", caller.token())
                      .json()
                      .path("results");
              assertThat(messages.size()).isEqualTo(2);
              assertThat(messages.get(0).path("text").asString()).isEqualTo("Hello");
              assertThat(messages.get(1).path("text").asString()).isEqualTo(text(events));
              assertThat(messages.get(1).path("status").asString()).isEqualTo("completed");
            });

    // A reconnect with the end's id is told to stop: 204.
    try (TestApi.Stream after =
        api().stream(
            "/ai/stream/" + id,
            caller.token(),
            Map.of("orgid", caller.org(), "Last-Event-ID", end.id()))) {
      assertThat(after.status).isEqualTo(204);
    }
  }

  @Test
  void shouldRenderEveryChunkTypeOfTheSeedFromAScriptedModel() throws Exception {
    Caller caller = caller();
    String script =
        "[{\"type\":\"reasoning\",\"text\":\"Which file?\"},{\"type\":\"doc\",\"stage\":\"extract_started\",\"fileName\":\"report.pdf\"},"
            + "{\"type\":\"doc\",\"stage\":\"extract_completed\",\"fileName\":\"report.pdf\"},"
            + "{\"type\":\"text\",\"text\":\"Looking it up.\"},"
            + "{\"type\":\"tool\",\"name\":\"server.memory.retrieve\",\"input\":{\"key\":\"name\"},\"output\":{\"value\":\"Alex\"}},"
            + "{\"type\":\"tool\",\"name\":\"getLocation\",\"origin\":\"client\",\"input\":{},\"error\":\"denied\"},"
            + "{\"type\":\"image\",\"url\":\"https://example.com/cat.png\",\"prompt\":\"a cat\"},"
            + "{\"type\":\"text\",\"text\":\"Done, Alex.\"}]";
    String id =
        streamId(
            caller,
            "{\"task\":\"Summarise the report\",\"files\":[{\"path\":\"uploads/report.pdf\",\"name\":\"report.pdf\"}],"
                + "\"simulation\":{\"tokens_per_second\":0,\"script\":"
                + script
                + "}}");
    List<TestApi.Event> events = read(caller, id, Map.of());
    List<JsonNode> data =
        events.stream().filter(e -> "data".equals(e.event())).map(TestApi.Event::json).toList();

    assertThat(data.stream().map(d -> d.path("type").asString()).distinct())
        .containsExactly("doc", "text", "tool_use", "tool_result", "image", "usage");
    assertThat(data.get(0))
        .isEqualTo(
            TestApi.JSON.readTree(
                "{\"type\":\"doc\",\"stage\":\"extract_started\",\"fileName\":\"report.pdf\"}"));
    assertThat(data.get(1).path("stage").asString()).isEqualTo("extract_completed");
    JsonNode use =
        data.stream()
            .filter(d -> d.path("type").asString().equals("tool_use"))
            .findFirst()
            .orElseThrow();
    assertThat(use.propertyNames()).containsExactly("type", "id", "name", "input");
    assertThat(use.path("name").asString()).isEqualTo("server.memory.retrieve");
    assertThat(use.path("input").path("key").asString()).isEqualTo("name");
    JsonNode result =
        data.stream()
            .filter(d -> d.path("type").asString().equals("tool_result"))
            .findFirst()
            .orElseThrow();
    assertThat(result)
        .isEqualTo(
            TestApi.JSON.readTree(
                "{\"type\":\"tool_result\",\"id\":\""
                    + use.path("id").asString()
                    + "\",\"output\":{\"value\":\"Alex\"}}"));
    JsonNode clientCall =
        data.stream()
            .filter(d -> d.path("name").asString().equals("getLocation"))
            .findFirst()
            .orElseThrow();
    assertThat(clientCall.path("origin").asString()).isEqualTo("client");
    assertThat(
            data.stream()
                .filter(d -> d.path("isError").asBoolean(false))
                .findFirst()
                .orElseThrow()
                .path("output")
                .path("error")
                .asString())
        .isEqualTo("denied");
    assertThat(
            data.stream()
                .filter(d -> d.path("type").asString().equals("image"))
                .findFirst()
                .orElseThrow())
        .isEqualTo(
            TestApi.JSON.readTree(
                "{\"type\":\"image\",\"url\":\"https://example.com/cat.png\",\"prompt\":\"a cat\"}"));
    assertThat(text(events)).isEqualTo("Looking it up." + "Done, Alex.");
    assertThat(events.getLast().event()).isEqualTo("end");
  }

  @Test
  void
      shouldResumeMidRunWithLastEventIdExactlyAsAnUninterruptedReadWhileTheCanonicalFaceReadsTheSameRun()
          throws Exception {
    Caller caller = caller();
    String id =
        streamId(
            caller,
            "{\"task\":\"resume me\",\"simulation\":{\"output_tokens\":150,\"tokens_per_second\":100,\"seed\":3}}");
    List<TestApi.Event> head;
    CompletableFuture<List<TestApi.Event>> whole =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return read(caller, id, Map.of());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    CompletableFuture<List<TestApi.Event>> canonical =
        CompletableFuture.supplyAsync(
            () -> {
              try (TestApi.Stream stream =
                  api().stream("/api/v1/runs/" + id + "/stream", caller.token())) {
                return stream.untilDone(WAIT);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    try (TestApi.Stream stream = api().stream("/ai/stream/" + id, caller.token(), caller.orgid())) {
      head = stream.take(10, WAIT);
    }
    assertThat(head).hasSize(10);
    List<TestApi.Event> rest = read(caller, id, Map.of("Last-Event-ID", head.getLast().id()));
    List<TestApi.Event> stitched = new ArrayList<>(head);
    stitched.addAll(rest);
    assertThat(stitched).isEqualTo(whole.get());
    assertThat(stitched.getLast().event()).isEqualTo("end");

    // The canonical face read the same run at the same time: same text, same ids for the same
    // chunks.
    List<TestApi.Event> ui = canonical.get();
    assertThat(ui.getLast().done()).isTrue();
    String uiText =
        ui.stream()
            .filter(e -> !e.done() && e.type().equals("text-delta"))
            .map(e -> e.json().path("delta").asString())
            .collect(Collectors.joining());
    assertThat(uiText).isEqualTo(text(stitched));
    assertThat(ui.stream().filter(e -> e.type().equals("finish")).findFirst().orElseThrow().id())
        .isEqualTo(stitched.getLast().id());
  }

  @Test
  void shouldKeepAConversationAcrossTurnsByConversationIdForThisUserOnly() throws Exception {
    Caller caller = caller();
    String conversation = "conv-alex-" + UUID.randomUUID();
    List<TestApi.Event> first =
        read(
            caller,
            streamId(
                caller,
                "{\"task\":\"My name is Alex.\",\"conversationId\":\""
                    + conversation
                    + "\",\"simulation\":{\"output_tokens\":20,\"tokens_per_second\":0}}"),
            Map.of());
    await()
        .atMost(WAIT)
        .until(
            () ->
                start(
                            caller,
                            "{\"task\":\"What is my name?\",\"conversationId\":\""
                                + conversation
                                + "\",\"simulation\":{\"output_tokens\":20,\"tokens_per_second\":0}}")
                        .status()
                    == 200);
    JsonNode sessions = api().get("/api/v1/sessions", caller.token()).json();
    assertThat(sessions.path("count").asLong()).isEqualTo(1);
    String session = sessions.path("results").get(0).path("uuid").asString();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode messages =
                  api()
                      .get("/api/v1/sessions/" + session + "/messages", caller.token())
                      .json()
                      .path("results");
              assertThat(messages.size()).isEqualTo(4);
              assertThat(messages.get(2).path("text").asString()).isEqualTo("What is my name?");
              assertThat(messages.get(3).path("status").asString()).isEqualTo("completed");
              // The second turn saw the first as history: it cost more input tokens than the same
              // message alone.
              assertThat(messages.get(3).path("usage").path("input_tokens").asLong())
                  .isGreaterThan(messages.get(1).path("usage").path("input_tokens").asLong() + 5);
            });
    assertThat(first.getLast().event()).isEqualTo("end");

    // The same conversationId of another user of the organisation is another conversation.
    String otherSubject = "user-" + UUID.randomUUID();
    Caller other =
        new Caller(caller.org(), otherSubject, TestApi.token(caller.org(), otherSubject));
    read(
        other,
        streamId(
            other,
            "{\"task\":\"Hi\",\"conversationId\":\""
                + conversation
                + "\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}"),
        Map.of());
    assertThat(
            api()
                .get("/api/v1/sessions", other.token())
                .json()
                .path("results")
                .get(0)
                .path("uuid")
                .asString())
        .isNotEqualTo(session);
  }

  @Test
  void shouldAnswerEveryErrorOfTheSeedAsJsonNeverA5xx() throws Exception {
    Caller caller = caller();
    TestApi.Answer noTask = start(caller, "{\"agentRole\":\"chat\"}");
    assertThat(noTask.status()).isEqualTo(400);
    assertThat(noTask.header("Content-Type")).startsWith("application/json");
    assertThat(noTask.json().path("statusCode").asInt()).isEqualTo(400);
    assertThat(noTask.json().path("message").asString()).contains("task");
    assertThat(start(caller, "{\"task\":\"   \"}").status()).isEqualTo(400);
    TestApi.Answer badRole = start(caller, "{\"task\":\"hi\",\"agentRole\":\"wizard\"}");
    assertThat(badRole.status()).isEqualTo(400);
    assertThat(badRole.json().path("message").asString()).contains("agentRole");
    for (String bad :
        List.of(
            "{\"task\":\"hi\",\"clientMcpTools\":\"x\"}",
            "{\"task\":\"hi\",\"availableTools\":[1]}",
            "{\"task\":\"hi\",\"files\":3}",
            "{\"task\":\"hi\",\"files\":[{\"path\":\"../etc/passwd\"}]}",
            "{\"task\":\"hi\",\"images\":[{\"mediaType\":\"image/png\"}]}",
            "{\"task\":\"hi\",\"memoryTtl\":-1}",
            "{\"task\":\"hi\",\"settings\":{\"model\":\"nobody/x\"}}",
            "{\"task\":\"hi\",\"context\":[]}",
            "{\"task\":\"hi\",\"conversationHistory\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
            "[]",
            "{bad json")) {
      TestApi.Answer answer = start(caller, bad);
      assertThat(answer.status()).as(bad + " -> " + answer.body()).isEqualTo(400);
      assertThat(answer.json().path("statusCode").asInt()).as(bad).isEqualTo(400);
    }

    // 401 without a valid token, in the face's JSON.
    TestApi.Answer anonymous = api().post("/ai/agent/stream", null, "{\"task\":\"hi\"}");
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.json().path("statusCode").asInt()).isEqualTo(401);
    assertThat(
            api()
                .get("/ai/stream/" + UUID.randomUUID() + "?orgid=" + caller.org(), "not-a-token")
                .status())
        .isEqualTo(401);

    // 403 when orgid names another organisation: the POST, the GET's header and its ?orgid=.
    Caller stranger = caller();
    TestApi.Answer wrongOrg =
        start(new Caller(stranger.org(), caller.subject(), caller.token()), "{\"task\":\"hi\"}");
    assertThat(wrongOrg.status()).isEqualTo(403);
    assertThat(wrongOrg.json().path("statusCode").asInt()).isEqualTo(403);
    String id =
        streamId(
            caller,
            "{\"task\":\"hi\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}");
    assertThat(
            api()
                .send(
                    HttpRequest.newBuilder(URI.create(api().base() + "/ai/stream/" + id))
                        .header("orgid", stranger.org())
                        .header("Authorization", "Bearer " + caller.token())
                        .build())
                .status())
        .isEqualTo(403);
    assertThat(api().get("/ai/stream/" + id + "?orgid=" + stranger.org(), caller.token()).status())
        .isEqualTo(403);

    // 404: an unknown id, a malformed one, another organisation's stream, and one past the stream's
    // time to live.
    for (String unknown : List.of(UUID.randomUUID().toString(), "abc123", "%20")) {
      TestApi.Answer answer =
          api().get("/ai/stream/" + unknown + "?orgid=" + caller.org(), caller.token());
      assertThat(answer.status()).as(unknown).isEqualTo(404);
      assertThat(answer.json().path("statusCode").asInt()).isEqualTo(404);
    }
    assertThat(
            api().get("/ai/stream/" + id + "?orgid=" + stranger.org(), stranger.token()).status())
        .isEqualTo(404);
    read(caller, id, Map.of());
    await()
        .atMost(WAIT)
        .until(
            () ->
                api()
                    .get("/api/v1/runs/" + id, caller.token())
                    .json()
                    .path("status")
                    .asString()
                    .equals("completed"));
    jdbc.sql(
            "UPDATE runs SET created_at = now() - interval '6 minutes', finished_at = now() - interval '6 minutes' WHERE id = ?")
        .param(UUID.fromString(id))
        .update();
    assertThat(api().get("/ai/stream/" + id + "?orgid=" + caller.org(), caller.token()).status())
        .isEqualTo(404);
  }

  @Test
  void shouldAnswer402InsufficientBalanceWithTheSeedsFields() {
    String org = "org-" + UUID.randomUUID();
    assertThat(
            api()
                .put("/api/v1/admin/budget", TestApi.operatorToken(org), "{\"token_budget\":0}")
                .status())
        .isEqualTo(200);
    String subject = "user-" + UUID.randomUUID();
    TestApi.Answer broke =
        start(new Caller(org, subject, TestApi.token(org, subject)), "{\"task\":\"hi\"}");
    assertThat(broke.status()).as(broke.body()).isEqualTo(402);
    assertThat(broke.json().path("code").asString()).isEqualTo("INSUFFICIENT_BALANCE");
    assertThat(broke.json().has("required")).isTrue();
    assertThat(broke.json().has("available")).isTrue();
    assertThat(broke.json().path("billingUrl").asString()).startsWith("http");
  }

  @Test
  void shouldStreamToABrowserEventSourceByOrgidQueryAndCookieButNeverTakeTheCookieOnThePost()
      throws Exception {
    Caller caller = caller();
    String id =
        streamId(
            caller,
            "{\"task\":\"cookie\",\"simulation\":{\"output_tokens\":10,\"tokens_per_second\":0}}");
    List<TestApi.Event> events;
    try (TestApi.Stream stream =
        api().stream(
            "/ai/stream/" + id + "?orgid=" + caller.org(),
            null,
            Map.of("Cookie", "runstream_token=" + caller.token()))) {
      assertThat(stream.status).isEqualTo(200);
      events = stream.all(WAIT);
    }
    assertThat(events.getLast().event()).isEqualTo("end");
    TestApi.Answer cookiePost =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("orgid", caller.org())
                    .header("Cookie", "runstream_token=" + caller.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"hi\"}"))
                    .build());
    assertThat(cookiePost.status()).isEqualTo(401);
  }
}
