package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.worker.WorkerApplication;
import io.runstream.worker.intake.RunRequestIntake;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue #23, item 3: no run goes on forever. A run still going {@code
 * runstream.worker.max-run-duration} after its claim ends {@code failed} with the error {@code
 * run_timeout} naming the limit, even while it waits for a token paced minutes away. The suite's
 * worker keeps the default (30 minutes); a second worker of the same group, started here with a
 * limit of 2 s, takes some of the partitions, and the test uses a run that worker claimed.
 */
class RunDeadlineIT extends PlatformIT {
  private static final String LIMIT = "2s";

  @Autowired JdbcClient jdbc;

  @Test
  void shouldFailARunThatRunsLongerThanTheMaxRunDuration() throws Exception {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.put("runstream.worker.shutdown-grace", "1s");
    properties.put("runstream.worker.max-run-duration", LIMIT);
    properties.put("runstream.simulation.enabled", true);
    try (ConfigurableApplicationContext worker =
        new SpringApplicationBuilder(WorkerApplication.class).properties(properties).run()) {
      String shortWorker = worker.getBean(RunRequestIntake.class).workerId();
      TestApi api = api();
      // Runs of fresh sessions land on random partitions: the first the short-limit worker claims
      // is the test's (the
      // others, claimed by the suite's worker, are cancelled). It joins the group first (a
      // rebalance).
      String[] ours = null;
      for (int attempt = 0; attempt < 60 && ours == null; attempt++) {
        String token = TestApi.freshToken();
        String runId =
            api.post(
                    "/api/v1/runs",
                    token,
                    "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0.001}}")
                .json()
                .path("run_uuid")
                .asString();
        String claimedBy =
            await().atMost(Duration.ofSeconds(30)).until(() -> workerOf(runId), w -> w != null);
        if (claimedBy.equals(shortWorker)) {
          ours = new String[] {token, runId};
        } else {
          api.post("/api/v1/runs/" + runId + "/cancel", token, "");
        }
      }
      assertThat(ours).as("a run claimed by the worker with the short limit").isNotNull();
      String token = ours[0];
      String runId = ours[1];
      List<TestApi.Event> events;
      try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
        // The limit, plus a functional bound: without it the run's first token would come after
        // 1,000 s.
        events = stream.untilDone(Duration.ofSeconds(2 + 10));
      }
      assertThat(events)
          .extracting(TestApi.Event::type)
          .containsSubsequence("start", "error", "finish", "[DONE]");
      TestApi.Event error =
          events.stream().filter(e -> e.type().equals("error")).findFirst().orElseThrow();
      assertThat(error.json().path("errorText").asString())
          .contains("runstream.worker.max-run-duration (2 s)");
      assertThat(events.get(events.size() - 2).json().path("finishReason").asString())
          .isEqualTo("error");
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                TestApi.Answer run = api.get("/api/v1/runs/" + runId, token);
                assertThat(run.json().path("status").asString()).isEqualTo("failed");
                assertThat(run.json().path("error").path("code").asString())
                    .isEqualTo("run_timeout");
                assertThat(run.json().path("error").path("retryable").asBoolean()).isFalse();
              });
    }
  }

  private String workerOf(String runId) {
    return jdbc
        .sql("SELECT worker_id FROM runs WHERE id = ?")
        .param(UUID.fromString(runId))
        .query((row, n) -> row.getString(1))
        .list()
        .stream()
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(null);
  }
}
