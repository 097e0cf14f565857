package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.sink.ChunkSink;
import io.runstream.worker.lease.LeaseReaper;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker that loses its run (its lease expires: it died, or cannot reach the database) does not
 * leave readers waiting: the run ends with a retryable error and {@code finish}, late output is
 * discarded, the session goes on.
 */
class LostWorkerIT extends PlatformIT {
  @Autowired JdbcClient jdbc;
  @Autowired ChunkSink sink;

  @Test
  void shouldEndARunWhoseWorkerWasLostAndDiscardItsLateOutput() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("a long run", 400, 40));
    String sessionId = created.json().path("uuid").asString();
    UUID runId = UUID.fromString(created.json().path("run_uuid").asString());
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    List<TestApi.Event> events = new ArrayList<>();
    try (TestApi.Stream stream = api.stream(path, token)) {
      events.addAll(stream.take(8, Duration.ofSeconds(20)));
      // The worker loses the run: its lease is taken away, as if it had died (it goes on producing:
      // late output).
      jdbc.sql(
              "UPDATE runs SET worker_id = 'lost-worker', lease_expires_at = now() - interval '1 second' WHERE id = ?")
          .param(runId)
          .update();
      events.addAll(stream.untilDone(Duration.ofSeconds(30)));
    }
    assertThat(events.getLast().done()).isTrue();
    TestApi.Event error = events.get(events.size() - 3);
    TestApi.Event finish = events.get(events.size() - 2);
    assertThat(error.type()).isEqualTo("error");
    assertThat(error.json().path("errorText").asString()).contains("lost");
    assertThat(finish.type()).isEqualTo("finish");
    assertThat(finish.json().path("finishReason").asString()).isEqualTo("error");
    assertThat(events.subList(0, events.size() - 1))
        .extracting(TestApi.Event::seq)
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(finish.seq()).isGreaterThan(LeaseReaper.FENCE);

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("failed"));
    assertThat(api.get("/api/v1/runs/" + runId, token).json().path("error").path("code").asString())
        .isEqualTo("worker_lost");

    // A replay (from the log or memory) shows the same end, and the session takes the next message.
    try (TestApi.Stream replay = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      List<TestApi.Event> again = replay.untilDone(Duration.ofSeconds(30));
      assertThat(again.subList(again.size() - 3, again.size()))
          .isEqualTo(events.subList(events.size() - 3, events.size()));
    }
    // Issue #8: resuming from the reaper's error id (past the fence) gives exactly the finish, from
    // memory.
    try (TestApi.Stream resumed =
        api.stream(
            "/api/v1/runs/" + runId + "/stream", token, Map.of("Last-Event-ID", error.id()))) {
      assertThat(resumed.status).isEqualTo(200);
      assertThat(resumed.untilDone(Duration.ofSeconds(10)))
          .extracting(TestApi.Event::type)
          .containsExactly("finish", "[DONE]");
    }
    TestApi.Answer next =
        api.post(
            "/api/v1/sessions/" + sessionId + "/messages",
            token,
            TestApi.sessionBody("again", 5, 0));
    assertThat(next.status()).isEqualTo(201);
    try (TestApi.Stream stream =
        api.stream(path, token, Map.of("Last-Event-ID", Long.toString(finish.seq())))) {
      assertThat(stream.untilDone(Duration.ofSeconds(30)).getFirst().seq())
          .isEqualTo(finish.seq() + 1);
    }
  }

  /**
   * The reaper's end reaches the run's readers, live and resuming, while the sink logs nothing (it
   * lags, e.g. after a broker or database outage): the gap before the fenced end is the lost
   * worker's, and nobody waits for the log to say so.
   */
  @Test
  void shouldEndALostWorkersReadersWhileTheSinkLogsNothing() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String runId = api.startRun(token, "lost", "{\"output_tokens\":400,\"tokens_per_second\":40}");
    String path = "/api/v1/runs/" + runId + "/stream";
    List<TestApi.Event> events = new ArrayList<>();
    sink.stop();
    try {
      try (TestApi.Stream stream = api.stream(path, token)) {
        events.addAll(stream.take(8, Duration.ofSeconds(20)));
        jdbc.sql(
                "UPDATE runs SET worker_id = 'lost-worker', lease_expires_at = now() - interval '1 second' WHERE id = ?")
            .param(UUID.fromString(runId))
            .update();
        events.addAll(stream.untilDone(Duration.ofSeconds(30)));
      }
      assertThat(events.getLast().done()).as(TestApi.Event.outline(events)).isTrue();
      assertThat(events.subList(events.size() - 3, events.size()))
          .extracting(TestApi.Event::type)
          .containsExactly("error", "finish", "[DONE]");
      // A reader that resumes from before the end gets the same end, from memory.
      TestApi.Event before = events.get(events.size() - 4);
      try (TestApi.Stream resumed = api.stream(path, token, Map.of("Last-Event-ID", before.id()))) {
        List<TestApi.Event> again = resumed.untilDone(Duration.ofSeconds(30));
        assertThat(again.subList(Math.max(0, again.size() - 3), again.size()))
            .as(TestApi.Event.outline(again))
            .isEqualTo(events.subList(events.size() - 3, events.size()));
      }
    } finally {
      sink.start();
    }
  }

  @Test
  void shouldRenewTheLeaseOfARunThatIsStillRunning() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"long\",\"simulation\":{\"output_tokens\":2000,\"tokens_per_second\":50}}");
    UUID runId = UUID.fromString(created.json().path("run_uuid").asString());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                jdbc.sql("SELECT lease_expires_at IS NOT NULL FROM runs WHERE id = ?")
                    .param(runId)
                    .query(Boolean.class)
                    .single());
    Timestamp first =
        jdbc.sql("SELECT lease_expires_at FROM runs WHERE id = ?")
            .param(runId)
            .query(Timestamp.class)
            .single();
    // Renewed every third of the lease (10 s by default): a live worker's run is never taken for
    // lost.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql("SELECT lease_expires_at FROM runs WHERE id = ?")
                            .param(runId)
                            .query(Timestamp.class)
                            .single())
                    .isAfter(first));
    api.post("/api/v1/runs/" + runId + "/cancel", token, "");
  }
}
