package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The flow of seed 003 end to end on the real broker and PostgreSQL. */
class SessionFlowIT extends PlatformIT {

  @Test
  void shouldCreateStreamFollowUpAndLoadTheTranscriptAsTheSeedDescribes() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();

    TestApi.Answer created =
        api.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"Generate 5 random cat names\",\"title\":\"\",\"metadata\":{\"source\":\"api-docs\"},\"simulation\":{\"tokens_per_second\":0}}");
    assertThat(created.status()).isEqualTo(201);
    JsonNode session = created.json();
    String sessionId = session.path("uuid").asString();
    assertThat(session.path("stream_url").asString())
        .isEqualTo(api.base() + "/api/v1/sessions/" + sessionId + "/stream");
    assertThat(session.path("messages_url").asString())
        .isEqualTo(api.base() + "/api/v1/sessions/" + sessionId + "/messages");
    String agentMessage = session.path("message_uuid").asString();

    List<TestApi.Event> first;
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      assertThat(stream.status).isEqualTo(200);
      assertThat(stream.response.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/event-stream");
      assertThat(stream.response.headers().firstValue("Cache-Control")).hasValue("no-cache");
      assertThat(stream.response.headers().firstValue("X-Accel-Buffering")).hasValue("no");
      assertThat(stream.response.headers().firstValue("x-vercel-ai-ui-message-stream"))
          .hasValue("v1");
      first = stream.untilDone(Duration.ofSeconds(30));
      assertThat(stream.comments).contains(": ok");
      assertThat(stream.retries).isNotEmpty();
    }
    assertThat(first).isNotEmpty();
    assertThat(first.getLast().done()).isTrue();
    assertThat(first).allSatisfy(e -> assertThat(e.id()).isNotBlank());
    assertThat(first.subList(0, first.size() - 1))
        .extracting(TestApi.Event::seq)
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(first.getFirst().type()).isEqualTo("start");
    assertThat(first.get(first.size() - 2).type()).isEqualTo("finish");
    assertThat(first.stream().map(TestApi.Event::type))
        .contains(
            "start-step", "text-start", "text-delta", "text-end", "data-usage", "finish-step");
    assertThat(
            first.stream()
                .filter(e -> e.type().equals("text-delta"))
                .map(e -> e.json().path("id").asString()))
        .containsOnly("pending-message-" + agentMessage);
    String streamedText = text(first);
    JsonNode usage =
        first.stream()
            .filter(e -> e.type().equals("data-usage"))
            .findFirst()
            .orElseThrow()
            .json()
            .path("data");
    assertThat(usage.path("inputTokens").asLong()).isPositive();
    assertThat(usage.path("outputTokens").asLong()).isPositive();

    // The transcript holds both turns once the sink has recorded the run.
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              JsonNode messages =
                  api.get("/api/v1/sessions/" + sessionId + "/messages", token).json();
              assertThat(messages.path("count").asInt()).isEqualTo(2);
              assertThat(messages.path("results").get(1).path("status").asString())
                  .isEqualTo("completed");
            });
    JsonNode messages = api.get("/api/v1/sessions/" + sessionId + "/messages", token).json();
    JsonNode user = messages.path("results").get(0);
    JsonNode agent = messages.path("results").get(1);
    assertThat(user.path("sender_role").asString()).isEqualTo("user");
    assertThat(user.path("text").asString()).isEqualTo("Generate 5 random cat names");
    assertThat(agent.path("sender_role").asString()).isEqualTo("agent");
    assertThat(agent.path("uuid").asString()).isEqualTo(agentMessage);
    assertThat(agent.path("text").asString()).isEqualTo(streamedText);
    assertThat(agent.path("usage").path("output_tokens").asLong())
        .isEqualTo(usage.path("outputTokens").asLong());
    assertThat(agent.path("metadata").path("source").asString()).isEqualTo("api-docs");
    assertThat(agent.path("created_at").asString())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    assertThat(agent.path("feedback_url").asString())
        .endsWith("/messages/" + agentMessage + "/feedback");
    for (String field :
        List.of(
            "uuid",
            "url",
            "session_uuid",
            "feedback_url",
            "feedback",
            "sender_role",
            "text",
            "status",
            "temperature",
            "model",
            "usage",
            "metadata",
            "created_at")) {
      assertThat(agent.has(field)).as(field).isTrue();
    }

    JsonNode detail = api.get("/api/v1/sessions/" + sessionId, token).json();
    assertThat(detail.path("uuid").asString()).isEqualTo(sessionId);
    assertThat(detail.path("user").path("name").asString()).startsWith("User ");
    assertThat(detail.path("metadata").path("source").asString()).isEqualTo("api-docs");
    for (String field :
        List.of(
            "uuid",
            "url",
            "title",
            "user",
            "messages_url",
            "metadata",
            "created_at",
            "updated_at")) {
      assertThat(detail.has(field)).as(field).isTrue();
    }

    // Reconnecting with the last id of a finished run answers 204.
    long lastId = first.getLast().seq();
    try (TestApi.Stream again =
        api.stream(
            "/api/v1/sessions/" + sessionId + "/stream",
            token,
            Map.of("Last-Event-ID", Long.toString(lastId)))) {
      assertThat(again.status).isEqualTo(204);
    }

    // A follow-up message right after the finish event is accepted, and its ids continue the
    // session's.
    TestApi.Answer followUp =
        api.post(
            "/api/v1/sessions/" + sessionId + "/messages",
            token,
            "{\"text\":\"Give me 5 more cat names with a playful tone.\",\"simulation\":{\"tokens_per_second\":0}}");
    assertThat(followUp.status()).isEqualTo(201);
    assertThat(followUp.json().path("stream_url").asString())
        .isEqualTo(api.base() + "/api/v1/sessions/" + sessionId + "/stream");
    List<TestApi.Event> second;
    try (TestApi.Stream stream =
        api.stream(
            "/api/v1/sessions/" + sessionId + "/stream",
            token,
            Map.of("Last-Event-ID", Long.toString(lastId)))) {
      second = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(second.getFirst().type()).isEqualTo("start");
    assertThat(second.getFirst().seq()).isEqualTo(lastId + 1);
    assertThat(second.getFirst().json().path("messageId").asString())
        .isEqualTo(followUp.json().path("uuid").asString());
    assertThat(second.getLast().done()).isTrue();
  }

  @Test
  void shouldReplayTheLatestRunToASessionStreamWithoutLastEventId() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("hello", 30, 0))
            .json()
            .path("uuid")
            .asString();
    List<TestApi.Event> first;
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      first = stream.untilDone(Duration.ofSeconds(30));
    }
    List<TestApi.Event> replay;
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      replay = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(replay).isEqualTo(first);
  }

  static String text(List<TestApi.Event> events) {
    StringBuilder text = new StringBuilder();
    events.stream()
        .filter(e -> e.type().equals("text-delta"))
        .forEach(e -> text.append(e.json().path("delta").asString()));
    return text.toString();
  }
}
