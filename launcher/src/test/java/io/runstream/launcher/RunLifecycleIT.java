package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The one-live-run rule, the runs primitive and its status. */
class RunLifecycleIT extends PlatformIT {

  @Test
  void shouldRefuseANewMessageWhileARunIsLiveWith409() {
    TestApi api = api();
    String token = TestApi.freshToken();
    // About 10 s at 20 tokens/s: certainly live when the next message arrives.
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("slow", 200, 20)).json().path("uuid").asString();
    TestApi.Answer conflict = api.post("/api/v1/sessions/" + sessionId + "/messages", token, "{\"text\":\"again\"}");
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.header("Content-Type")).startsWith("application/problem+json");
    assertThat(conflict.json().path("code").asString()).isEqualTo("run_in_progress");
    assertThat(conflict.json().path("status").asInt()).isEqualTo(409);
  }

  @Test
  void shouldAcceptAMessageSentRightAfterTheFinishEventEveryTime() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("fast", 10, 0)).json().path("uuid").asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    long last = 0;
    for (int i = 0; i < 5; i++) {
      List<TestApi.Event> events;
      try (TestApi.Stream stream = api.stream(path, token, java.util.Map.of("Last-Event-ID", Long.toString(last)))) {
        events = stream.untilDone(Duration.ofSeconds(30));
      }
      assertThat(events.get(events.size() - 2).type()).isEqualTo("finish");
      last = events.getLast().seq();
      TestApi.Answer next = api.post("/api/v1/sessions/" + sessionId + "/messages", token, TestApi.sessionBody("more", 10, 0));
      assertThat(next.status()).as("message %d right after finish", i).isEqualTo(201);
    }
  }

  @Test
  void shouldRunThroughTheRunsPrimitiveAndReportStatusAndUsage() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer accepted =
        api.post("/api/v1/runs", token,
            "{\"input\":\"Summarise our chat\",\"instructions\":\"Be brief.\",\"history\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}],\"simulation\":{\"output_tokens\":30,\"tokens_per_second\":0}}");
    assertThat(accepted.status()).isEqualTo(202);
    JsonNode body = accepted.json();
    String runId = body.path("run_uuid").asString();
    assertThat(body.path("status_url").asString()).isEqualTo(api.base() + "/api/v1/runs/" + runId);
    assertThat(body.path("stream_url").asString()).isEqualTo(api.base() + "/api/v1/runs/" + runId + "/stream");
    List<TestApi.Event> events;
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(events.getFirst().type()).isEqualTo("start");
    long inputTokens = events.stream().filter(e -> e.type().equals("data-usage")).findFirst().orElseThrow()
        .json().path("data").path("inputTokens").asLong();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString()).isEqualTo("completed"));
    JsonNode run = api.get("/api/v1/runs/" + runId, token).json();
    assertThat(run.path("session_uuid").asString()).isEqualTo(body.path("session_uuid").asString());
    assertThat(run.path("usage").path("input_tokens").asLong()).isEqualTo(inputTokens);
    assertThat(run.path("model").path("provider").asString()).isEqualTo("simulated");
    assertThat(run.path("started_at").isNull()).isFalse();
    assertThat(run.path("finished_at").isNull()).isFalse();
    assertThat(run.path("error").isNull()).isTrue();
    // The prompt counted instructions and inline history: more than the message alone.
    assertThat(inputTokens).isGreaterThan(8);
  }

  @Test
  void shouldAnswer409ToAToolResultTheRunIsNotWaitingFor() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String runId = api.post("/api/v1/runs", token, "{\"input\":\"x\",\"simulation\":{\"output_tokens\":300,\"tokens_per_second\":50}}")
        .json().path("run_uuid").asString();
    TestApi.Answer answer = api.post("/api/v1/runs/" + runId + "/tool-results", token, "{\"toolCallId\":\"call_1\",\"output\":{\"ok\":true}}");
    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.json().path("code").asString()).isEqualTo("no_pending_tool_call");
    assertThat(api.post("/api/v1/runs/" + runId + "/tool-results", token, "{\"output\":1}").status()).isEqualTo(400);
    assertThat(api.post("/api/v1/runs/" + runId + "/tool-results", token, "{\"toolCallId\":\"c\"}").status()).isEqualTo(400);
    assertThat(api.post("/api/v1/runs/" + runId + "/tool-results", TestApi.freshToken(), "{\"toolCallId\":\"c\",\"output\":1}").status())
        .isEqualTo(404);
    api.post("/api/v1/runs/" + runId + "/cancel", token, "");
  }
}
