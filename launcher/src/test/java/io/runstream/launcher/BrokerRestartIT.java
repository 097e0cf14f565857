package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The broker restarts in the middle of a run: the worker's producer and every consumer reconnect by
 * themselves, and a reader, reconnecting with Last-Event-ID if its stream broke, misses nothing.
 */
class BrokerRestartIT extends PlatformIT {

  @Test
  void shouldMissNothingWhenTheBrokerRestartsMidRun() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("restart", 400, 80));
    String sessionId = created.json().path("uuid").asString();
    String runId = created.json().path("run_uuid").asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    List<TestApi.Event> events = new ArrayList<>();
    try (TestApi.Stream stream = api.stream(path, token)) {
      events.addAll(stream.take(15, Duration.ofSeconds(20)));
      EmbeddedPlatform.shared().kafka().restart();
      events.addAll(stream.untilDone(Duration.ofSeconds(90)));
    }
    // If the stream broke, the reader resumes from its last id, as EventSource does.
    for (int attempt = 0; attempt < 5 && !events.getLast().done(); attempt++) {
      try (TestApi.Stream again =
          api.stream(path, token, Map.of("Last-Event-ID", events.getLast().id()))) {
        if (again.status == 204) {
          break;
        }
        events.addAll(again.untilDone(Duration.ofSeconds(90)));
      }
    }
    assertThat(events.getLast().done()).isTrue();
    List<TestApi.Event> chunks = events.subList(0, events.size() - 1);
    assertThat(chunks).extracting(TestApi.Event::seq).isSorted().doesNotHaveDuplicates();
    assertThat(chunks.getLast().seq() - chunks.getFirst().seq() + 1).isEqualTo(chunks.size());
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    try (TestApi.Stream replay = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      assertThat(replay.untilDone(Duration.ofSeconds(30))).isEqualTo(events);
    }
  }
}
