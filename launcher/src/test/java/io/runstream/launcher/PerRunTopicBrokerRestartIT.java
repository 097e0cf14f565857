package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.infra.embedded.EmbeddedPlatform;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link BrokerRestartIT} on the per-run-topic layout (the run's own topic, its fan-out assignment
 * and the sink's pattern subscription survive the restart), and runs started right after a restart
 * get their topics.
 */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicBrokerRestartIT extends BrokerRestartIT {

  @Test
  void shouldStartNewRunsInTheirOwnTopicsRightAfterTheBrokerRestarts() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    EmbeddedPlatform.shared().kafka().restart();
    for (int i = 0; i < 3; i++) {
      TestApi.Answer run =
          api.post(
              "/api/v1/runs",
              token,
              "{\"input\":\"after restart\",\"simulation\":{\"output_tokens\":30,\"tokens_per_second\":0}}");
      assertThat(run.status()).isEqualTo(202);
      String runId = run.json().path("run_uuid").asString();
      try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
        List<TestApi.Event> events = stream.untilDone(Duration.ofSeconds(60));
        assertThat(events.getFirst().type()).isEqualTo("start");
        assertThat(events.getLast().done()).isTrue();
        assertThat(events.get(events.size() - 2).type()).isEqualTo("finish");
      }
    }
  }
}
