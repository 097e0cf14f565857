package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.ingest.IngestApplication;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Issue #27 item 3: {@code runstream.ingest.multitask-strategy} is the double-texting strategy of
 * requests that name none, on the sessions face and on the agent-stream face's {@code
 * conversationId}. An ingest node of its own says {@code enqueue}; the suite's worker and fanout
 * run and stream its runs.
 */
class DoubleTextingDefaultIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * Longer than the 3 s a rejected message waits for a run that is just ending (previous-run-wait).
   */
  private static final String FIRST =
      "\"simulation\":{\"tokens_per_second\":4,\"output_tokens\":30}";

  private static final String FAST =
      "\"simulation\":{\"tokens_per_second\":0,\"output_tokens\":20}";

  private static ConfigurableApplicationContext ingest;
  private static TestApi enqueuing;

  @BeforeAll
  static void startIngestNode() {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.put("runstream.security.issuer-uri", TestIssuer.get().issuer());
    properties.put("runstream.simulation.enabled", true);
    properties.put("runstream.ingest.multitask-strategy", "enqueue");
    ingest = new SpringApplicationBuilder(IngestApplication.class).properties(properties).run();
    enqueuing = new TestApi(((WebServerApplicationContext) ingest).getWebServer().getPort());
  }

  @AfterAll
  static void stopIngestNode() {
    if (ingest != null) {
      ingest.close();
    }
  }

  private JsonNode run(String token, String runId) {
    return api().get("/api/v1/runs/" + runId, token).json();
  }

  @Test
  void shouldEnqueueASessionMessageThatNamesNoStrategyWhenTheSettingSaysSo() {
    String token = TestApi.freshToken();
    JsonNode created =
        enqueuing.post("/api/v1/sessions", token, "{\"text\":\"First\"," + FIRST + "}").json();
    String session = created.path("uuid").asString();
    String firstRun = created.path("run_uuid").asString();
    TestApi.Answer second =
        enqueuing.post(
            "/api/v1/sessions/" + session + "/messages",
            token,
            "{\"text\":\"Second\"," + FAST + "}");
    assertThat(second.status()).as(second.body()).isEqualTo(201);
    String secondRun = second.json().path("run_uuid").asString();
    // A request may still ask for reject.
    TestApi.Answer rejected =
        enqueuing.post(
            "/api/v1/sessions/" + session + "/messages",
            token,
            "{\"text\":\"Third\",\"multitask_strategy\":\"reject\"}");
    assertThat(rejected.status()).as(rejected.body()).isEqualTo(409);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(run(token, secondRun).path("status").asString()).isEqualTo("completed"));
    assertThat(run(token, firstRun).path("status").asString()).isEqualTo("completed");
    assertThat(Instant.parse(run(token, secondRun).path("started_at").asString()))
        .isAfterOrEqualTo(Instant.parse(run(token, firstRun).path("finished_at").asString()));
  }

  @Test
  void shouldEnqueueOnTheAgentStreamFacesConversationIdByTheSetting() throws Exception {
    AgentStreamIT.Caller caller = AgentStreamIT.caller();
    String conversation = "conv-" + UUID.randomUUID();
    List<String> streams = new ArrayList<>();
    for (String body :
        List.of(
            "{\"task\":\"First\",\"conversationId\":\"" + conversation + "\"," + FIRST + "}",
            "{\"task\":\"Second\",\"conversationId\":\"" + conversation + "\"," + FAST + "}")) {
      TestApi.Answer answer =
          enqueuing.send(
              HttpRequest.newBuilder(URI.create(enqueuing.base() + "/ai/agent/stream"))
                  .header("orgid", caller.org())
                  .header("Authorization", "Bearer " + caller.token())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build());
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      streams.add(answer.json().path("streamId").asString());
    }
    assertThat(run(caller.token(), streams.get(1)).path("status").asString()).isEqualTo("queued");
    List<List<TestApi.Event>> read = new ArrayList<>();
    for (String streamId : streams) {
      // The queued run's stream opens at once and goes on when the run starts.
      try (TestApi.Stream stream =
          api().stream("/ai/stream/" + streamId, caller.token(), caller.orgid())) {
        assertThat(stream.status).isEqualTo(200);
        read.add(stream.all(WAIT));
      }
    }
    assertThat(read.get(0).getLast().event()).isEqualTo("end");
    assertThat(read.get(1).getLast().event()).isEqualTo("end");
    assertThat(read.get(1).getFirst().seq()).isGreaterThan(read.get(0).getLast().seq());
    assertThat(run(caller.token(), streams.get(0)).path("status").asString())
        .isEqualTo("completed");
    assertThat(run(caller.token(), streams.get(1)).path("status").asString())
        .isEqualTo("completed");
  }
}
