package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The organisation's token budget (402), the user's run rate and live streams (429). */
class LimitsIT extends PlatformIT {

  @Test
  void shouldAnswer402OnceTheOrganisationsBudgetIsSpent() throws Exception {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String orgAdmin = TestApi.adminToken(org, "boss");
    String admin = TestApi.operatorToken("operators-" + UUID.randomUUID());
    String user = TestApi.token(org, "worker-bee");
    assertThat(api.put("/api/v1/admin/budget", user, "{\"token_budget\":100}").status())
        .isEqualTo(403);
    // The organisation's own administrator cannot raise what the platform grants it; a platform
    // operator sets it.
    assertThat(api.put("/api/v1/admin/budget", orgAdmin, "{\"token_budget\":null}").status())
        .isEqualTo(403);
    TestApi.Answer set =
        api.put(
            "/api/v1/admin/budget",
            admin,
            "{\"token_budget\":60,\"organisation\":\"" + org + "\"}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().path("token_budget").asLong()).isEqualTo(60);
    assertThat(
            api.put(
                    "/api/v1/admin/budget",
                    admin,
                    "{\"token_budget\":-5,\"organisation\":\"" + org + "\"}")
                .status())
        .isEqualTo(400);

    String sessionId =
        api.post("/api/v1/sessions", user, TestApi.sessionBody("spend it", 80, 0))
            .json()
            .path("uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", user)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/admin/budget", user).json().path("available").asLong())
                    .isZero());
    TestApi.Answer refused =
        api.post("/api/v1/sessions", user, TestApi.sessionBody("more please", 10, 0));
    assertThat(refused.status()).isEqualTo(402);
    JsonNode problem = refused.json();
    assertThat(problem.path("code").asString()).isEqualTo("INSUFFICIENT_BALANCE");
    assertThat(problem.path("required").asLong()).isPositive();
    assertThat(problem.path("available").asLong()).isZero();
    assertThat(problem.path("billingUrl").asString()).startsWith("https://");
    assertThat(
            api.post(
                    "/api/v1/sessions/" + sessionId + "/messages",
                    user,
                    TestApi.sessionBody("again", 10, 0))
                .status())
        .isEqualTo(402);

    assertThat(api.put("/api/v1/admin/budget", orgAdmin, "{\"token_budget\":null}").status())
        .isEqualTo(403);
    assertThat(
            api.put(
                    "/api/v1/admin/budget",
                    admin,
                    "{\"token_budget\":null,\"organisation\":\"" + org + "\"}")
                .status())
        .isEqualTo(200);
    assertThat(
            api.post(
                    "/api/v1/sessions/" + sessionId + "/messages",
                    user,
                    TestApi.sessionBody("again", 10, 0))
                .status())
        .isEqualTo(201);
  }

  @Test
  void shouldAnswer429WithRetryAfterToTooManyRunsAtOnce() {
    TestApi api = api();
    String token = TestApi.freshToken();
    List<Integer> statuses = new ArrayList<>();
    TestApi.Answer limited = null;
    for (int i = 0; i < 80 && limited == null; i++) {
      TestApi.Answer answer =
          api.post(
              "/api/v1/runs",
              token,
              "{\"input\":\"x\",\"simulation\":{\"output_tokens\":1,\"tokens_per_second\":0}}");
      statuses.add(answer.status());
      if (answer.status() == 429) {
        limited = answer;
      }
    }
    assertThat(statuses.subList(0, 40)).containsOnly(202);
    assertThat(limited).isNotNull();
    assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
    assertThat(limited.json().path("code").asString()).isEqualTo("rate_limited");
    // Another user is not affected.
    assertThat(
            api.post(
                    "/api/v1/runs",
                    TestApi.freshToken(),
                    "{\"input\":\"x\",\"simulation\":{\"output_tokens\":1}}")
                .status())
        .isEqualTo(202);
  }

  @Test
  void shouldHoldTheRunRateAcrossInstancesAndGiveServiceIdentitiesTheirOwn() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String user = TestApi.token(org, "user-" + UUID.randomUUID());
    // Another node (a fan-out node admits genie's runs); its slow refill rate keeps the test
    // independent of timing.
    try (var node =
        startFanoutNode(
            Map.of(
                "runstream.ingest.run-burst",
                40,
                "runstream.ingest.runs-per-minute",
                1,
                "runstream.security.issuer-uri",
                TestIssuer.get().issuer()))) {
      TestApi other =
          new TestApi(Integer.parseInt(node.getEnvironment().getProperty("local.server.port")));
      int accepted = 0;
      while (api()
              .post(
                  "/api/v1/runs",
                  user,
                  "{\"input\":\"x\",\"simulation\":{\"output_tokens\":1,\"tokens_per_second\":0}}")
              .status()
          == 202) {
        accepted++;
        assertThat(accepted).isLessThan(80);
      }
      assertThat(accepted).isGreaterThanOrEqualTo(40);
      // The same user on the other node finds the bucket empty: one limit, not one per instance.
      TestApi.Answer refused = other.post("/api/genie/stream-chat", user, "{\"message\":\"hi\"}");
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.json().path("error").asString()).startsWith("Too many runs started");
      assertThat(refused.header("Retry-After")).isNotNull();
    }
    // A service identity (runstream.security.service-subjects) calling for its backend's users has
    // its own limits.
    String service = TestApi.token(org, "svc-backend");
    for (int i = 0; i < 60; i++) {
      assertThat(
              api()
                  .post(
                      "/api/v1/runs",
                      service,
                      "{\"input\":\"x\",\"simulation\":{\"output_tokens\":1,\"tokens_per_second\":0}}")
                  .status())
          .as("run %d of a service identity", i)
          .isEqualTo(202);
    }
  }

  @Test
  void shouldAnswer429ToMoreLiveStreamsThanAUserMayHold() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("hold on", 2000, 20))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    List<TestApi.Stream> open = new ArrayList<>();
    try {
      for (int i = 0; i < 30; i++) {
        TestApi.Stream stream = api.stream(path, token);
        open.add(stream);
        assertThat(stream.status).isEqualTo(200);
      }
      try (TestApi.Stream extra = api.stream(path, token)) {
        assertThat(extra.status).isEqualTo(429);
        assertThat(extra.response.headers().firstValue("Retry-After")).isPresent();
      }
      open.removeFirst().close();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                try (TestApi.Stream again = api.stream(path, token)) {
                  assertThat(again.status).isEqualTo(200);
                }
              });
    } finally {
      open.forEach(TestApi.Stream::close);
      api.post("/api/v1/sessions/" + sessionId + "/stream/stop", token, "");
    }
  }

  @Test
  void shouldShedStreamOpeningsBeyondTheNodesBoundWith503AndRetryAfterInEachFacesDialect()
      throws Exception {
    String token = TestApi.freshToken();
    String runId =
        api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":\"x\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}")
            .json()
            .path("run_uuid")
            .asString();
    // A node that opens no stream at once and lets none wait: every opening is shed.
    try (var node =
        startFanoutNode(
            Map.of(
                "runstream.fanout.max-opening-streams",
                0,
                "runstream.fanout.max-waiting-streams",
                0))) {
      TestApi busy =
          new TestApi(Integer.parseInt(node.getEnvironment().getProperty("local.server.port")));
      TestApi.Answer canonical = busy.get("/api/v1/runs/" + runId + "/stream", token);
      assertThat(canonical.status()).isEqualTo(503);
      assertThat(Integer.parseInt(canonical.header("Retry-After"))).isBetween(1, 3);
      assertThat(canonical.header("Content-Type")).startsWith("application/problem+json");
      assertThat(canonical.json().path("code").asString()).isEqualTo("streams_busy");
      TestApi.Answer agentStream = busy.get("/ai/stream/" + runId, token);
      assertThat(agentStream.status()).isEqualTo(503);
      assertThat(Integer.parseInt(agentStream.header("Retry-After"))).isBetween(1, 3);
      assertThat(agentStream.json().path("statusCode").asInt()).isEqualTo(503);
      assertThat(agentStream.json().path("code").asString()).isEqualTo("streams_busy");
      // what is not a stream opening is not shed (a fan-out node alone serves streams, POST-stream
      // faces, health)
      assertThat(busy.get("/actuator/health", null).status()).isEqualTo(200);
      assertThat(busy.post("/api/genie/stream-chat", token, "{\"message\":\"\"}").status())
          .isEqualTo(400);
    }
    // a node with room serves the same stream
    try (TestApi.Stream stream = api().stream("/api/v1/runs/" + runId + "/stream", token)) {
      assertThat(stream.untilDone(Duration.ofSeconds(30)).getLast().data()).isEqualTo("[DONE]");
    }
  }
}
