package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Stop and cancel reach whichever worker holds the run; the partial text is kept; stopping is
 * idempotent. A stopped run ends {@code abort}, the usage spent up to the stop ({@code
 * data-usage}), then a {@code finish} the AI SDK accepts (issue #27 item 1), and whoever has read
 * its end reads the run's and the message's end (item 2).
 */
class StopIT extends PlatformIT {
  private static final Logger LOG = LoggerFactory.getLogger(StopIT.class);

  @Autowired JdbcClient jdbc;

  /**
   * Whether this context rolls usage up (the per-run-topic variant's does not: the main context's
   * does).
   */
  @Value("${runstream.usage.enabled:true}")
  boolean rollups;

  @Test
  void shouldStopALiveRunKeepItsPartialTextAndEndWithAbortThenFinish() throws Exception {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    // An administrator of the same organisation reads the roll-ups (an administrator's own runs go
    // to another model).
    String admin = TestApi.adminToken(org, "admin-" + UUID.randomUUID());
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("talk for a while", 2000, 50));
    String sessionId = created.json().path("uuid").asString();
    String runId = created.json().path("run_uuid").asString();
    List<TestApi.Event> events = new ArrayList<>();
    long stopAsked;
    long abortSeen = 0;
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      events.addAll(stream.take(10, Duration.ofSeconds(20)));
      stopAsked = System.nanoTime();
      TestApi.Answer stop = api.post("/api/v1/sessions/" + sessionId + "/stream/stop", token, "");
      assertThat(stop.status()).isEqualTo(200);
      assertThat(stop.json().path("uuid").asString()).isEqualTo(sessionId);
      assertThat(stop.json().path("stopped").asBoolean()).isTrue();
      TestApi.Event event;
      while ((event = stream.next(Duration.ofSeconds(20))) != null) {
        events.add(event);
        if (abortSeen == 0 && event.type().equals("abort")) {
          abortSeen = System.nanoTime();
        }
        if (event.done()) {
          break;
        }
      }
    }
    LOG.info(
        "Stop latency (stop request to abort seen by the reader): {} ms",
        (abortSeen - stopAsked) / 1_000_000);
    // Read at once, with no wait: whoever has the stream's end reads the run's (issue #27 item 2).
    JsonNode run = api.get("/api/v1/runs/" + runId, token).json();
    JsonNode agent =
        api.get("/api/v1/sessions/" + sessionId + "/messages", token).json().path("results").get(1);
    assertThat(abortSeen).isPositive();
    assertThat(events.getLast().done()).isTrue();
    assertThat(events.subList(events.size() - 4, events.size()))
        .extracting(TestApi.Event::type)
        .containsExactly("abort", "data-usage", "finish", "[DONE]");
    assertThat(events.get(events.size() - 4).json().path("reason").asString()).isNotBlank();
    assertThat(events.get(events.size() - 2).json().toString()).isEqualTo("{\"type\":\"finish\"}");
    // Far fewer than the 2,000 tokens asked for: the model stream was aborted.
    long deltas = events.stream().filter(e -> e.type().equals("text-delta")).count();
    assertThat(deltas).isLessThan(500);

    // The usage spent up to the stop: streamed, and the run's, the message's, the ledger's and the
    // roll-ups'.
    JsonNode spent = events.get(events.size() - 3).json().path("data");
    long input = spent.path("inputTokens").asLong();
    long output = spent.path("outputTokens").asLong();
    assertThat(input).isPositive();
    assertThat(output).isPositive().isGreaterThanOrEqualTo(deltas);
    assertThat(run.path("status").asString()).isEqualTo("cancelled");
    assertThat(run.path("finished_at").isNull()).isFalse();
    assertThat(run.path("usage").path("input_tokens").asLong()).isEqualTo(input);
    assertThat(run.path("usage").path("output_tokens").asLong()).isEqualTo(output);
    assertThat(agent.path("status").asString()).isEqualTo("cancelled");
    assertThat(agent.path("text").asString()).isEqualTo(SessionFlowIT.text(events)).isNotEmpty();
    assertThat(agent.path("usage").path("output_tokens").asLong()).isEqualTo(output);
    assertThat(
            jdbc.sql("SELECT input_tokens + output_tokens FROM usage_ledger WHERE run_id = ?")
                .param(UUID.fromString(runId))
                .query(Long.class)
                .single())
        .isEqualTo(input + output);

    assertThat(
            api.post("/api/v1/sessions/" + sessionId + "/stream/stop", token, "")
                .json()
                .path("stopped")
                .asBoolean())
        .isFalse();
    assertThat(
            api.post(
                    "/api/v1/sessions/" + sessionId + "/messages",
                    token,
                    TestApi.sessionBody("next", 5, 0))
                .status())
        .isEqualTo(201);
    if (!rollups) {
      return;
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              JsonNode totals =
                  api.get("/api/v1/usage?granularity=minute", admin).json().path("totals");
              assertThat(totals.path("cancellations").asLong()).isEqualTo(1);
              assertThat(totals.path("input_tokens").asLong()).isGreaterThanOrEqualTo(input);
              assertThat(totals.path("output_tokens").asLong()).isGreaterThanOrEqualTo(output);
            });
  }

  @Test
  void shouldCancelThroughTheRunsApiIdempotentlyAndLeaveFinishedRunsAlone() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String runId =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"long\",\"simulation\":{\"output_tokens\":2000,\"tokens_per_second\":50}}")
            .json()
            .path("run_uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      stream.take(5, Duration.ofSeconds(20));
      TestApi.Answer first = api.post("/api/v1/runs/" + runId + "/cancel", token, "");
      assertThat(first.status()).isEqualTo(202);
      assertThat(first.json().path("uuid").asString()).isEqualTo(runId);
      assertThat(api.post("/api/v1/runs/" + runId + "/cancel", token, "").status()).isEqualTo(202);
      List<TestApi.Event> rest = stream.untilDone(Duration.ofSeconds(20));
      assertThat(rest.subList(rest.size() - 4, rest.size()))
          .extracting(TestApi.Event::type)
          .containsExactly("abort", "data-usage", "finish", "[DONE]");
    }
    assertThat(
            api.post("/api/v1/runs/" + runId + "/cancel", token, "")
                .json()
                .path("status")
                .asString())
        .isEqualTo("cancelled");

    String finished =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"short\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}")
            .json()
            .path("run_uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + finished + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(20));
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        api.get("/api/v1/runs/" + finished, token).json().path("status").asString())
                    .isEqualTo("completed"));
    TestApi.Answer late = api.post("/api/v1/runs/" + finished + "/cancel", token, "");
    assertThat(late.status()).isEqualTo(202);
    assertThat(late.json().path("status").asString()).isEqualTo("completed");
  }

  @Test
  void shouldNotLoseAStopThatRacesTheRunsStart() throws Exception {
    TestApi api = api();
    for (int i = 0; i < 3; i++) {
      String token = TestApi.freshToken();
      TestApi.Answer created =
          api.post("/api/v1/sessions", token, TestApi.sessionBody("race", 2000, 50));
      String sessionId = created.json().path("uuid").asString();
      assertThat(
              api.post("/api/v1/sessions/" + sessionId + "/stream/stop", token, "")
                  .json()
                  .path("stopped")
                  .asBoolean())
          .isTrue();
      try (TestApi.Stream stream =
          api.stream("/api/v1/sessions/" + sessionId + "/stream", token, Map.of())) {
        List<TestApi.Event> events = stream.untilDone(Duration.ofSeconds(20));
        assertThat(events.getFirst().type()).isEqualTo("start");
        assertThat(events.subList(events.size() - 4, events.size()))
            .extracting(TestApi.Event::type)
            .containsExactly("abort", "data-usage", "finish", "[DONE]");
        assertThat(events.get(events.size() - 2).json().has("finishReason")).isFalse();
      }
    }
  }

  @Test
  void shouldAnswer404ToAStopOfAnotherOrganisationsSession() {
    TestApi api = api();
    String owner = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", owner, TestApi.sessionBody("mine", 2000, 50))
            .json()
            .path("uuid")
            .asString();
    String stranger = TestApi.freshToken();
    assertThat(api.post("/api/v1/sessions/" + sessionId + "/stream/stop", stranger, "").status())
        .isEqualTo(404);
    assertThat(
            api.post("/api/v1/sessions/" + sessionId + "/stream/stop", owner, "")
                .json()
                .path("stopped")
                .asBoolean())
        .isTrue();
  }
}
