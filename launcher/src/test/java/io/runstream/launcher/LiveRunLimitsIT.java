package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.ingest.IngestApplication;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue #23, item 3: a user holds at most {@code runstream.ingest.max-live-runs-per-user} live runs
 * (queued or running), across instances and concurrent requests; one more is 429 {@code
 * too_many_live_runs} with {@code Retry-After}, in the face's own dialect; a service identity has
 * its own limit. An ingest node of its own has small limits (3 and 5); the suite's worker runs its
 * runs, which wait for a token 1,000 s away until cancelled.
 */
class LiveRunLimitsIT extends PlatformIT {
  private static final String SLOW =
      "{\"input\":\"hold on\",\"simulation\":{\"tokens_per_second\":0.001}}";

  private static ConfigurableApplicationContext ingest;
  private static TestApi limited;
  private final List<String[]> started = new ArrayList<>();

  @BeforeAll
  static void startIngestNode() {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.put("runstream.security.issuer-uri", TestIssuer.get().issuer());
    properties.put("runstream.security.service-subjects", "svc-backend");
    properties.put("runstream.simulation.enabled", true);
    properties.put("runstream.ingest.max-live-runs-per-user", 3);
    properties.put("runstream.ingest.max-live-runs-per-service", 5);
    ingest = new SpringApplicationBuilder(IngestApplication.class).properties(properties).run();
    limited = new TestApi(((WebServerApplicationContext) ingest).getWebServer().getPort());
  }

  @AfterAll
  static void stopIngestNode() {
    if (ingest != null) {
      ingest.close();
    }
  }

  @AfterEach
  void cancelTheRunsStarted() {
    started.forEach(run -> api().post("/api/v1/runs/" + run[1] + "/cancel", run[0], ""));
  }

  private TestApi.Answer start(String token) {
    TestApi.Answer answer = limited.post("/api/v1/runs", token, SLOW);
    if (answer.status() == 202) {
      started.add(new String[] {token, answer.json().path("run_uuid").asString()});
    }
    return answer;
  }

  @Test
  void shouldRefuseTheRunOverAUsersLiveRunsIn429InEachFacesDialect() {
    String org = "org-" + UUID.randomUUID();
    String subject = "user-" + UUID.randomUUID();
    String token = TestApi.token(org, subject);
    for (int i = 0; i < 3; i++) {
      assertThat(start(token).status()).as("live run %d", i + 1).isEqualTo(202);
    }
    TestApi.Answer canonical = start(token);
    assertThat(canonical.status()).isEqualTo(429);
    assertThat(canonical.header("Content-Type")).startsWith("application/problem+json");
    assertThat(canonical.header("Retry-After")).isEqualTo("5");
    assertThat(canonical.json().path("code").asString()).isEqualTo("too_many_live_runs");
    assertThat(canonical.json().path("limit").asInt()).isEqualTo(3);
    assertThat(canonical.json().path("detail").asString())
        .contains("at most 3", "runstream.ingest.max-live-runs-per-user");

    // The agent-stream face answers in its dialect ({statusCode, error, message, code}).
    TestApi.Answer agentStream =
        limited.send(
            HttpRequest.newBuilder(URI.create(limited.base() + "/ai/agent/stream"))
                .header("orgid", org)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"one more\"}"))
                .build());
    assertThat(agentStream.status()).isEqualTo(429);
    assertThat(agentStream.header("Retry-After")).isEqualTo("5");
    assertThat(agentStream.json().path("statusCode").asInt()).isEqualTo(429);
    assertThat(agentStream.json().path("code").asString()).isEqualTo("too_many_live_runs");
    assertThat(agentStream.json().path("message").asString()).contains("at most 3");
    assertThat(agentStream.json().has("type")).as("not the canonical problem").isFalse();

    // Another user of the organisation has runs of their own.
    assertThat(start(TestApi.token(org, "user-" + UUID.randomUUID())).status()).isEqualTo(202);

    // A run that ends frees its place.
    String[] first = started.getFirst();
    assertThat(api().post("/api/v1/runs/" + first[1] + "/cancel", token, "").status())
        .isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> start(token).status() == 202);
    assertThat(start(token).status()).isEqualTo(429);
  }

  @Test
  void shouldHoldTheLimitAgainstConcurrentRequests() throws Exception {
    String token = TestApi.freshToken();
    List<TestApi.Answer> answers;
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<TestApi.Answer>> sent = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        sent.add(
            CompletableFuture.supplyAsync(
                () -> limited.post("/api/v1/runs", token, SLOW), threads));
      }
      answers = sent.stream().map(CompletableFuture::join).toList();
    }
    answers.stream()
        .filter(a -> a.status() == 202)
        .forEach(a -> started.add(new String[] {token, a.json().path("run_uuid").asString()}));
    assertThat(answers).extracting(TestApi.Answer::status).containsOnly(202, 429);
    assertThat(answers.stream().filter(a -> a.status() == 202)).hasSize(3);
  }

  @Test
  void shouldGiveAServiceIdentityItsOwnLimit() {
    // A service identity (runstream.security.service-subjects) calls for its backend's users: more
    // than a user's 3.
    String service = TestApi.token("org-" + UUID.randomUUID(), "svc-backend");
    for (int i = 0; i < 5; i++) {
      assertThat(start(service).status())
          .as("live run %d of a service identity", i + 1)
          .isEqualTo(202);
    }
    TestApi.Answer refused = start(service);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().path("code").asString()).isEqualTo("too_many_live_runs");
    assertThat(refused.json().path("limit").asInt()).isEqualTo(5);
    assertThat(refused.json().path("detail").asString())
        .contains("runstream.ingest.max-live-runs-per-service");
  }
}
