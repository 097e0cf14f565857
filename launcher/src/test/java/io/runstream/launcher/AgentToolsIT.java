package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #9: real agents. A provider of type {@code openai} (a local server speaking Chat
 * Completions streaming, as Ollama or vLLM would) runs the tool loop end to end on the real broker
 * and PostgreSQL: a server tool round trip ({@code memory.store}, {@code memory.retrieve}, per user
 * in PostgreSQL), a client tool answered through {@code POST /api/v1/runs/{uuid}/tool-results}, a
 * rate-limited provider retried before its first token, the {@code availableTools} whitelist, and a
 * stop while a client tool is awaited.
 */
class AgentToolsIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  static String body(String text, String extra) {
    return "{\"text\":"
        + TestApi.JSON.writeValueAsString(text)
        + ",\"model\":\""
        + FakeModels.OPENAI
        + "/qwen3:8b\""
        + extra
        + "}";
  }

  static List<JsonNode> parts(List<TestApi.Event> events) {
    return events.stream().filter(e -> !e.done()).map(TestApi.Event::json).toList();
  }

  static String text(List<JsonNode> parts) {
    return parts.stream()
        .filter(p -> p.path("type").asString().equals("text-delta"))
        .map(p -> p.path("delta").asString())
        .collect(Collectors.joining());
  }

  static JsonNode first(List<JsonNode> parts, String type) {
    return parts.stream()
        .filter(p -> p.path("type").asString().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " in " + parts));
  }

  @Test
  void shouldRunAServerToolRoundTripThroughAnOpenAiCompatibleProviderAndRememberAcrossSessions()
      throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, body("Please remember my name is Alex", ""));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    List<TestApi.Event> events;
    String stream = "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream";
    try (TestApi.Stream read = api.stream(stream, token)) {
      assertThat(read.response.headers().firstValue("X-Model-Backend")).hasValue(FakeModels.OPENAI);
      events = read.untilDone(WAIT);
    }
    List<JsonNode> parts = parts(events);
    assertThat(parts.stream().map(p -> p.path("type").asString()))
        .containsSubsequence(
            "start",
            "start-step",
            "text-start",
            "text-delta",
            "text-end",
            "tool-input-start",
            "tool-input-available",
            "tool-output-available",
            "finish-step",
            "start-step",
            "text-delta",
            "data-usage",
            "finish-step",
            "finish");
    JsonNode call = first(parts, "tool-input-available");
    assertThat(call.path("toolName").asString()).isEqualTo("memory.store");
    assertThat(first(parts, "tool-input-start").path("toolCallId").asString())
        .isEqualTo(call.path("toolCallId").asString());
    assertThat(call.path("input").path("value").asString()).isEqualTo("Alex");
    JsonNode result = first(parts, "tool-output-available");
    assertThat(result.path("toolCallId").asString()).isEqualTo(call.path("toolCallId").asString());
    assertThat(result.path("output").path("stored").asBoolean()).isTrue();
    assertThat(text(parts))
        .startsWith("Let me see.")
        .contains("The tool said:")
        .contains("\"stored\":true");
    // Usage is the provider's, summed over both steps.
    assertThat(first(parts, "data-usage").path("data").path("inputTokens").asLong()).isEqualTo(80);
    assertThat(first(parts, "data-usage").path("data").path("outputTokens").asLong()).isEqualTo(18);

    // Another session of the same user recalls it: the memory is the user's, in PostgreSQL.
    TestApi.Answer recall = api.post("/api/v1/sessions", token, body("Now recall my name", ""));
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + recall.json().path("uuid").asString() + "/stream", token)) {
      List<JsonNode> again = parts(read.untilDone(WAIT));
      assertThat(first(again, "tool-input-available").path("toolName").asString())
          .isEqualTo("memory.retrieve");
      assertThat(first(again, "tool-output-available").path("output").path("value").asString())
          .isEqualTo("Alex");
    }
    // Another user of the organisation does not.
    String other = TestApi.token("org-x-" + UUID.randomUUID(), "someone");
    TestApi.Answer theirs = api.post("/api/v1/sessions", other, body("recall my name", ""));
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + theirs.json().path("uuid").asString() + "/stream", other)) {
      assertThat(
              first(parts(read.untilDone(WAIT)), "tool-output-available")
                  .path("output")
                  .path("found")
                  .asBoolean())
          .isFalse();
    }
  }

  @Test
  void shouldRunAServerToolRoundTripWithThinkingThroughAnAnthropicProvider() throws Exception {
    TestApi api = api();
    // The Anthropic provider is for admins only in the test platform
    // (runstream.routing.admin-providers).
    String token = TestApi.adminToken("org-" + UUID.randomUUID(), "admin-" + UUID.randomUUID());
    TestApi.Answer created =
        api.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"Please remember my name is Alex\",\"model\":\""
                + FakeModels.ANTHROPIC
                + "/claude-x\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    List<JsonNode> parts;
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token)) {
      assertThat(read.response.headers().firstValue("X-Model-Backend"))
          .hasValue(FakeModels.ANTHROPIC);
      parts = parts(read.untilDone(WAIT));
    }
    assertThat(parts.stream().map(p -> p.path("type").asString()))
        .containsSubsequence(
            "reasoning-start",
            "reasoning-delta",
            "reasoning-end",
            "text-delta",
            "tool-input-available",
            "tool-output-available",
            "start-step",
            "text-delta",
            "data-usage",
            "finish");
    assertThat(first(parts, "reasoning-delta").path("delta").asString())
        .isEqualTo("Store the name.");
    assertThat(first(parts, "tool-input-available").path("toolName").asString())
        .isEqualTo("memory.store");
    assertThat(first(parts, "tool-input-available").path("input").path("value").asString())
        .isEqualTo("Alex");
    assertThat(text(parts)).startsWith("Noted.").contains("\"stored\":true");
    assertThat(first(parts, "data-usage").path("data").path("inputTokens").asLong()).isEqualTo(60);
    // The second step replayed the first: its thinking with the signature, the tool use and its
    // result.
    JsonNode replay =
        TestApi.JSON.readTree(
            FakeModels.get().anthropic().requests().stream()
                .filter(
                    b -> b.contains("tool_result") && b.contains("Please remember my name is Alex"))
                .reduce((a, b) -> b)
                .orElseThrow());
    JsonNode assistant =
        replay.path("messages").get(replay.path("messages").size() - 2).path("content");
    assertThat(assistant.get(0).path("type").asString()).isEqualTo("thinking");
    assertThat(assistant.get(0).path("signature").asString()).isEqualTo("sig");
  }

  @Test
  void shouldWaitForAClientToolsResultPostedToTheApiAndGoOn() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"Where am I?\",\"model\":\""
                + FakeModels.OPENAI
                + "/qwen3:8b\",\"tools\":[{\"name\":\"getLocation\","
                + "\"description\":\"The user's location\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}}]}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    String runId = run.json().path("run_uuid").asString();
    List<TestApi.Event> events = new ArrayList<>();
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      JsonNode call = null;
      while (call == null) {
        TestApi.Event next = read.next(WAIT);
        assertThat(next).as("the client tool call").isNotNull();
        events.add(next);
        if (next.type().equals("tool-input-available")) {
          call = next.json();
        }
      }
      assertThat(call.path("toolName").asString()).isEqualTo("getLocation");
      TestApi.Answer answered =
          api.post(
              "/api/v1/runs/" + runId + "/tool-results",
              token,
              "{\"toolCallId\":\""
                  + call.path("toolCallId").asString()
                  + "\",\"output\":{\"city\":\"Oslo\"}}");
      assertThat(answered.status()).as(answered.body()).isEqualTo(202);
      events.addAll(read.untilDone(WAIT));
    }
    List<JsonNode> parts = parts(events);
    assertThat(first(parts, "tool-output-available").path("output").path("city").asString())
        .isEqualTo("Oslo");
    assertThat(text(parts)).contains("Oslo");
    assertThat(parts.getLast().path("type").asString()).isEqualTo("finish");
    // Once the run is recorded as ended, a second answer to the same call has nothing to answer.
    Awaitility.await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    assertThat(
            api.post(
                    "/api/v1/runs/" + runId + "/tool-results",
                    token,
                    "{\"toolCallId\":\"call_getLocation\",\"output\":1}")
                .status())
        .isEqualTo(409);
  }

  @Test
  void shouldRetryARateLimitedProviderBeforeItsFirstTokenAndStreamOnce() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String text = "rate limit once " + UUID.randomUUID();
    int before = FakeModels.get().openAi().requests().size();
    TestApi.Answer created = api.post("/api/v1/sessions", token, body(text, ""));
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token)) {
      List<JsonNode> parts = parts(read.untilDone(WAIT));
      assertThat(parts.getLast().path("finishReason").asString()).isEqualTo("stop");
      assertThat(parts.stream().filter(p -> p.path("type").asString().equals("error"))).isEmpty();
      assertThat(text(parts)).isEqualTo("Hello from the local OpenAI-compatible server.");
      assertThat(parts.stream().filter(p -> p.path("type").asString().equals("start"))).hasSize(1);
    }
    assertThat(
            FakeModels.get()
                .openAi()
                .requests()
                .subList(before, FakeModels.get().openAi().requests().size())
                .stream()
                .filter(b -> b.contains(text)))
        .hasSize(2);
  }

  @Test
  void shouldOfferOnlyWhitelistedServerToolsAndAnswerAnyOtherCallWithAnError() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-1");
    // The simulated model scripts two calls; availableTools allows only the first.
    String script =
        "[{\"type\":\"call\",\"name\":\"memory.retrieve\",\"input\":{\"key\":\"k\"}},"
            + "{\"type\":\"text\",\"text\":\"Next.\"},{\"type\":\"call\",\"name\":\"memory.store\",\"input\":{\"key\":\"k\",\"value\":1}},"
            + "{\"type\":\"text\",\"text\":\"Done.\"}]";
    TestApi.Answer started =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("orgid", org)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"task\":\"x\",\"availableTools\":[\"memory.retrieve\"],"
                                + "\"simulation\":{\"tokens_per_second\":0,\"script\":"
                                + script
                                + "}}"))
                    .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    List<JsonNode> data;
    try (TestApi.Stream read =
        api().stream(
            "/ai/stream/" + started.json().path("streamId").asString(),
            token,
            Map.of("orgid", org))) {
      data =
          read.all(WAIT).stream()
              .filter(e -> "data".equals(e.event()))
              .map(TestApi.Event::json)
              .toList();
    }
    List<JsonNode> results =
        data.stream().filter(d -> d.path("type").asString().equals("tool_result")).toList();
    assertThat(results).hasSize(2);
    assertThat(results.get(0).path("output").path("found").asBoolean()).isFalse();
    assertThat(results.get(1).path("isError").asBoolean()).isTrue();
    assertThat(results.get(1).path("output").path("error").asString()).contains("memory.store");
    assertThat(
            data.stream()
                .filter(d -> d.path("type").asString().equals("text"))
                .map(d -> d.path("text").asString())
                .collect(Collectors.joining()))
        .isEqualTo("Next.Done.");
  }

  @Test
  void shouldAnswerEveryCallOfAStoppedRunSoThatItsTranscriptStaysValid() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, body("Where am I now?", ",\"metadata\":{}"));
    String session = created.json().path("uuid").asString();
    // No client tool is declared for this session run, so getLocation is unknown: answered with an
    // error at once.
    try (TestApi.Stream read = api.stream("/api/v1/sessions/" + session + "/stream", token)) {
      List<JsonNode> parts = parts(read.untilDone(WAIT));
      JsonNode error = first(parts, "tool-output-error");
      assertThat(error.path("errorText").asString()).contains("getLocation");
      assertThat(parts.getLast().path("type").asString()).isEqualTo("finish");
    }
    // A client tool the run waits for, then a stop: the call gets an error result, the run ends
    // cancelled.
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"Where am I?\",\"model\":\""
                + FakeModels.OPENAI
                + "/qwen3:8b\",\"tools\":[{\"name\":\"getLocation\"}]}");
    String runId = run.json().path("run_uuid").asString();
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      List<TestApi.Event> events = new ArrayList<>();
      TestApi.Event next;
      do {
        next = read.next(WAIT);
        assertThat(next).isNotNull();
        events.add(next);
      } while (!next.type().equals("tool-input-available"));
      assertThat(api.post("/api/v1/runs/" + runId + "/cancel", token, "").status()).isEqualTo(202);
      events.addAll(read.untilDone(WAIT));
      List<String> types = parts(events).stream().map(p -> p.path("type").asString()).toList();
      assertThat(types)
          .containsSubsequence("tool-input-available", "tool-output-error", "abort", "finish");
    }
    Awaitility.await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("cancelled"));
  }
}
