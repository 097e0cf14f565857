package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Issue #27 item 2, "read your own end" (docs/faces/canonical.md): once a reader has received a
 * run's last event, {@code GET /api/v1/runs/{id}} answers its final status, usage and {@code
 * finished_at}, and the session's message its final status, text and usage, on any node: the stream
 * is read on a second, fan-out-only node and the run on the first, at once, without waiting.
 * Completed, stopped, failed and lost-worker runs alike; the session takes its next message at once
 * too (no {@code run_in_progress}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadYourOwnEndIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Autowired JdbcClient jdbc;
  private ConfigurableApplicationContext nodeB;

  @BeforeAll
  void startSecondNode() {
    nodeB = startFanoutNode(Map.of());
  }

  @AfterAll
  void stopSecondNode() {
    if (nodeB != null) {
      nodeB.close();
    }
  }

  private TestApi nodeB() {
    return new TestApi(((WebServerApplicationContext) nodeB).getWebServer().getPort());
  }

  @Test
  void shouldAnswerTheFinalStatusUsageAndEndOnAnyNodeAsSoonAsTheReaderHasTheLastEvent()
      throws Exception {
    TestApi a = api();
    TestApi b = nodeB();
    String token = TestApi.freshToken();
    for (int i = 0; i < 3; i++) {
      // Paced, so that the reader is there when the run ends (not replaying a run the sink has long
      // stored).
      String completed =
          a.startRun(
              token, "Tell me something", "{\"output_tokens\":40,\"tokens_per_second\":100}");
      assertEndAgrees(a, token, completed, readToTheEnd(b, token, completed, null), "completed");

      String stopped =
          a.startRun(
              token, "Tell me something", "{\"output_tokens\":2000,\"tokens_per_second\":100}");
      assertEndAgrees(a, token, stopped, readToTheEnd(b, token, stopped, a), "cancelled");

      String failed =
          a.startRun(
              token,
              "Tell me something",
              "{\"tokens_per_second\":20,\"script\":[{\"type\":\"text\",\"text\":\"Half an answer\"},"
                  + "{\"type\":\"fail\",\"code\":\"provider_error\",\"error\":\"The provider broke.\",\"retryable\":false}]}");
      List<TestApi.Event> events = readToTheEnd(b, token, failed, null);
      assertEndAgrees(a, token, failed, events, "failed");
      assertThat(
              a.get("/api/v1/runs/" + failed, token).json().path("error").path("code").asString())
          .isEqualTo("provider_error");
    }
  }

  @Test
  void shouldAnswerALostWorkersRunFailedAsSoonAsTheReaderHasTheReapersEnd() throws Exception {
    TestApi a = api();
    String token = TestApi.freshToken();
    String runId =
        a.startRun(token, "Tell me something", "{\"output_tokens\":400,\"tokens_per_second\":40}");
    List<TestApi.Event> events = new ArrayList<>();
    try (TestApi.Stream stream = nodeB().stream("/api/v1/runs/" + runId + "/stream", token)) {
      events.addAll(stream.take(8, WAIT));
      // Its worker loses the run, as if it had died: the lease reaper ends it.
      jdbc.sql(
              "UPDATE runs SET worker_id = 'lost-worker', lease_expires_at = now() - interval '1 second' WHERE id = ?")
          .param(UUID.fromString(runId))
          .update();
      events.addAll(stream.untilDone(WAIT));
    }
    assertThat(events.get(events.size() - 3).json().path("errorText").asString())
        .as("the stream %s", TestApi.Event.outline(events))
        .contains("lost");
    JsonNode run = a.get("/api/v1/runs/" + runId, token).json();
    assertThat(run.path("status").asString()).isEqualTo("failed");
    assertThat(run.path("error").path("code").asString()).isEqualTo("worker_lost");
    assertThat(run.path("finished_at").isNull()).isFalse();
    JsonNode message = agentMessage(a, token, run.path("session_uuid").asString());
    assertThat(message.path("status").asString()).isEqualTo("failed");
    assertThat(
            a.post(
                    "/api/v1/sessions/" + run.path("session_uuid").asString() + "/messages",
                    token,
                    TestApi.sessionBody("again", 5, 0))
                .status())
        .isEqualTo(201);
  }

  /**
   * The run's stream read on {@code reader} to {@code [DONE]}; stopped through {@code stopper}
   * after a few events.
   */
  private static List<TestApi.Event> readToTheEnd(
      TestApi reader, String token, String runId, TestApi stopper) throws Exception {
    List<TestApi.Event> events = new ArrayList<>();
    try (TestApi.Stream stream = reader.stream("/api/v1/runs/" + runId + "/stream", token)) {
      if (stopper != null) {
        events.addAll(stream.take(10, WAIT));
        assertThat(stopper.post("/api/v1/runs/" + runId + "/cancel", token, "").status())
            .isEqualTo(202);
      }
      events.addAll(stream.untilDone(WAIT));
    }
    assertThat(events.getLast().done()).as("the stream's end: %s", events).isTrue();
    return events;
  }

  /**
   * Read at once, on the other node: the run and its message say what the stream said (status,
   * usage, text), the run's end time is set, and the session takes the next message.
   */
  private static void assertEndAgrees(
      TestApi api, String token, String runId, List<TestApi.Event> events, String status) {
    JsonNode run = api.get("/api/v1/runs/" + runId, token).json();
    String sessionId = run.path("session_uuid").asString();
    JsonNode message = agentMessage(api, token, sessionId);
    assertThat(run.path("status").asString())
        .as("run %s right after its [DONE]", runId)
        .isEqualTo(status);
    assertThat(run.path("finished_at").isNull()).as("finished_at").isFalse();
    assertThat(message.path("status").asString()).isEqualTo(status);
    assertThat(message.path("text").asString()).isEqualTo(SessionFlowIT.text(events));
    JsonNode usage =
        events.stream()
            .filter(e -> e.type().equals("data-usage"))
            .reduce((x, y) -> y)
            .map(e -> e.json().path("data"))
            .orElse(null);
    if (usage == null) {
      assertThat(run.path("usage").isNull()).isTrue();
    } else {
      assertThat(run.path("usage").path("input_tokens").asLong())
          .isEqualTo(usage.path("inputTokens").asLong());
      assertThat(run.path("usage").path("output_tokens").asLong())
          .isEqualTo(usage.path("outputTokens").asLong());
      assertThat(message.path("usage").path("output_tokens").asLong())
          .isEqualTo(usage.path("outputTokens").asLong());
    }
    TestApi.Answer next =
        api.post(
            "/api/v1/sessions/" + sessionId + "/messages",
            token,
            TestApi.sessionBody("and then?", 5, 0));
    assertThat(next.status()).as(next.body()).isEqualTo(201);
  }

  private static JsonNode agentMessage(TestApi api, String token, String sessionId) {
    return api.get("/api/v1/sessions/" + sessionId + "/messages", token)
        .json()
        .path("results")
        .get(1);
  }
}
