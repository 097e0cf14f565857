package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #9: routing. The test platform routes admins to {@code local-claude} (with its own
 * instructions) and the agent role {@code research} to {@code local-openai}; {@code local-claude}
 * is for admins only; everyone else without a model gets the default (simulated). The stream's
 * {@code X-Model-Backend} says which backend answered.
 */
class ModelRoutingIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private String backendOf(String token, String body) throws Exception {
    TestApi.Answer created = api().post("/api/v1/sessions", token, body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    try (TestApi.Stream read =
        api().stream(
            "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token)) {
      String backend = read.response.headers().firstValue("X-Model-Backend").orElse(null);
      assertThat(read.untilDone(WAIT).getLast().done()).isTrue();
      return backend;
    }
  }

  @Test
  void shouldRouteAdminsToTheAdminRouteAndEveryoneElseToTheDefault() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String admin = TestApi.adminToken(org, "boss");
    String user = TestApi.token(org, "someone");
    int before = FakeModels.get().anthropic().requests().size();
    assertThat(backendOf(admin, "{\"text\":\"Hello there\"}")).isEqualTo(FakeModels.ANTHROPIC);
    JsonNode sent = TestApi.JSON.readTree(FakeModels.get().anthropic().requests().get(before));
    assertThat(sent.path("system").asString()).isEqualTo("You serve an administrator.");
    assertThat(sent.path("model").asString()).isEqualTo("claude-x");
    assertThat(
            backendOf(
                user,
                "{\"text\":\"Hello there\",\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}"))
        .isEqualTo("simulated");
    // A model the request names wins over the routes, for an admin too.
    assertThat(backendOf(admin, "{\"text\":\"Hi\",\"model\":\"simulated/sim-1\"}"))
        .isEqualTo("simulated");
  }

  @Test
  void shouldNeverLetANonAdminReachAnAdminOnlyProviderWhateverTheRequestSays() {
    String user = TestApi.freshToken();
    for (String model :
        List.of(
            "\"local-claude/claude-x\"",
            "{\"provider\":\"local-claude\",\"model_id\":\"claude-x\"}")) {
      TestApi.Answer refused =
          api().post("/api/v1/sessions", user, "{\"text\":\"hi\",\"model\":" + model + "}");
      assertThat(refused.status()).as(model).isEqualTo(400);
      assertThat(refused.json().path("detail").asString())
          .contains("unknown provider")
          .doesNotContain("local-claude,");
      assertThat(refused.json().path("detail").asString())
          .contains("local-openai")
          .contains("simulated");
    }
  }

  @Test
  void shouldRouteAnAgentRoleToItsModelOnTheAgentStreamFace() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "analyst");
    TestApi.Answer started =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("orgid", org)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"task\":\"Hello\",\"agentRole\":\"research\"}"))
                    .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    try (TestApi.Stream read =
        api().stream(
            "/ai/stream/" + started.json().path("streamId").asString(),
            token,
            Map.of("orgid", org))) {
      assertThat(read.response.headers().firstValue("X-Model-Backend")).hasValue(FakeModels.OPENAI);
      List<TestApi.Event> events = read.all(WAIT);
      assertThat(
              events.stream()
                  .filter(e -> "data".equals(e.event()))
                  .map(e -> e.json().path("text").asString())
                  .reduce("", String::concat))
          .isEqualTo("Hello from the local OpenAI-compatible server.");
    }
  }
}
