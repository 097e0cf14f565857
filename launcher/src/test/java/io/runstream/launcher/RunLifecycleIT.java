package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
        api.post("/api/v1/sessions", token, TestApi.sessionBody("slow", 200, 20))
            .json()
            .path("uuid")
            .asString();
    TestApi.Answer conflict =
        api.post("/api/v1/sessions/" + sessionId + "/messages", token, "{\"text\":\"again\"}");
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
        api.post("/api/v1/sessions", token, TestApi.sessionBody("fast", 10, 0))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    long last = 0;
    for (int i = 0; i < 5; i++) {
      List<TestApi.Event> events;
      try (TestApi.Stream stream =
          api.stream(path, token, Map.of("Last-Event-ID", Long.toString(last)))) {
        events = stream.untilDone(Duration.ofSeconds(30));
      }
      assertThat(events.get(events.size() - 2).type()).isEqualTo("finish");
      last = events.getLast().seq();
      TestApi.Answer next =
          api.post(
              "/api/v1/sessions/" + sessionId + "/messages",
              token,
              TestApi.sessionBody("more", 10, 0));
      assertThat(next.status()).as("message %d right after finish", i).isEqualTo(201);
    }
  }

  @Test
  void shouldRunThroughTheRunsPrimitiveAndReportStatusAndUsage() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer accepted =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"Summarise our chat\",\"instructions\":\"Be brief.\",\"history\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}],\"simulation\":{\"output_tokens\":30,\"tokens_per_second\":0}}");
    assertThat(accepted.status()).isEqualTo(202);
    JsonNode body = accepted.json();
    String runId = body.path("run_uuid").asString();
    assertThat(body.path("status_url").asString()).isEqualTo(api.base() + "/api/v1/runs/" + runId);
    assertThat(body.path("stream_url").asString())
        .isEqualTo(api.base() + "/api/v1/runs/" + runId + "/stream");
    List<TestApi.Event> events;
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(events.getFirst().type()).isEqualTo("start");
    long inputTokens =
        events.stream()
            .filter(e -> e.type().equals("data-usage"))
            .findFirst()
            .orElseThrow()
            .json()
            .path("data")
            .path("inputTokens")
            .asLong();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
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
    String runId =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"x\",\"simulation\":{\"output_tokens\":300,\"tokens_per_second\":50}}")
            .json()
            .path("run_uuid")
            .asString();
    TestApi.Answer answer =
        api.post(
            "/api/v1/runs/" + runId + "/tool-results",
            token,
            "{\"toolCallId\":\"call_1\",\"output\":{\"ok\":true}}");
    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.json().path("code").asString()).isEqualTo("no_pending_tool_call");
    assertThat(
            api.post("/api/v1/runs/" + runId + "/tool-results", token, "{\"output\":1}").status())
        .isEqualTo(400);
    assertThat(
            api.post("/api/v1/runs/" + runId + "/tool-results", token, "{\"toolCallId\":\"c\"}")
                .status())
        .isEqualTo(400);
    assertThat(
            api.post(
                    "/api/v1/runs/" + runId + "/tool-results",
                    TestApi.freshToken(),
                    "{\"toolCallId\":\"c\",\"output\":1}")
                .status())
        .isEqualTo(404);
    api.post("/api/v1/runs/" + runId + "/cancel", token, "");
  }

  @Test
  void shouldListRecentRunsWithTheirProgressMineOrTheOrganisationsForAnAdmin() throws Exception {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String alice = TestApi.token(org, "alice");
    String bob = TestApi.token(org, "bob");
    String admin = TestApi.adminToken(org, "boss");
    String done =
        api.post(
                "/api/v1/runs",
                alice,
                "{\"input\":\"one\",\"simulation\":{\"output_tokens\":40,\"tokens_per_second\":0}}")
            .json()
            .path("run_uuid")
            .asString();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + done, alice).json().path("status").asString())
                    .isEqualTo("completed"));
    // a live run at 20 tokens/s: listed as running, with a first token and deltas while it streams
    String live =
        api.post(
                "/api/v1/runs",
                alice,
                "{\"input\":\"two\",\"simulation\":{\"output_tokens\":200,\"tokens_per_second\":20}}")
            .json()
            .path("run_uuid")
            .asString();
    String bobs =
        api.post(
                "/api/v1/runs",
                bob,
                "{\"input\":\"three\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}")
            .json()
            .path("run_uuid")
            .asString();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode first = api.get("/api/v1/runs", alice).json().path("results").get(0);
              assertThat(first.path("uuid").asString()).isEqualTo(live);
              assertThat(first.path("status").asString()).isEqualTo("running");
              assertThat(first.path("streamed_deltas").asLong()).isGreaterThan(3);
              assertThat(first.path("time_to_first_token_ms").isIntegralNumber()).isTrue();
            });
    JsonNode mine = api.get("/api/v1/runs", alice).json();
    assertThat(mine.path("count").asLong()).isEqualTo(2);
    assertThat(mine.path("results").findValuesAsString("uuid")).containsExactly(live, done);
    JsonNode finished = mine.path("results").get(1);
    assertThat(finished.path("user").asString()).isEqualTo("alice");
    assertThat(finished.path("usage").path("output_tokens").asLong()).isPositive();
    assertThat(finished.path("first_token_at").asString()).isNotEmpty();
    // bob sees only his run; the organisation's runs are for its administrators
    assertThat(api.get("/api/v1/runs", bob).json().path("results").findValuesAsString("uuid"))
        .containsExactly(bobs);
    TestApi.Answer refused = api.get("/api/v1/runs?scope=organisation", bob);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    JsonNode all = api.get("/api/v1/runs?scope=organisation&page_size=2", admin).json();
    assertThat(all.path("count").asLong()).isEqualTo(3);
    assertThat(all.path("results").size()).isEqualTo(2);
    assertThat(all.path("next").asString())
        .endsWith("/api/v1/runs?scope=organisation&page=2&page_size=2");
    assertThat(
            api.get("/api/v1/runs?scope=organisation&page=2&page_size=2", admin)
                .json()
                .path("results")
                .findValuesAsString("uuid"))
        .containsExactly(done);
    // another organisation's administrator sees none of them
    assertThat(
            api.get(
                    "/api/v1/runs?scope=organisation",
                    TestApi.adminToken("org-" + UUID.randomUUID(), "x"))
                .json()
                .path("count")
                .asLong())
        .isZero();
    assertThat(api.get("/api/v1/runs?scope=everyone", alice).status()).isEqualTo(400);
    api.post("/api/v1/runs/" + live + "/cancel", alice, "{}");
  }
}
