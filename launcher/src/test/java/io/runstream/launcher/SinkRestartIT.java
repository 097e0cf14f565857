package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.sink.ChunkSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** The sink stopped and restarted mid-run loses nothing and duplicates nothing. */
class SinkRestartIT extends PlatformIT {

  @Autowired ChunkSink sink;
  @Autowired JdbcClient jdbc;

  @Test
  void shouldPersistEveryChunkExactlyOnceWhenTheSinkRestartsMidRun() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("persist me", 150, 150));
    String sessionId = created.json().path("uuid").asString();
    UUID runId = UUID.fromString(created.json().path("run_uuid").asString());
    List<TestApi.Event> events;
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      List<TestApi.Event> head = stream.take(15, Duration.ofSeconds(20));
      assertThat(head).hasSize(15);
      sink.stop();
      try {
        List<TestApi.Event> rest = stream.untilDone(Duration.ofSeconds(30));
        events = new ArrayList<>(head);
        events.addAll(rest);
      } finally {
        sink.start();
      }
    }
    assertThat(events.getLast().done()).isTrue();
    long chunkCount = events.size() - 1; // every chunk is one event, [DONE] is not a chunk

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql("SELECT count(*) FROM run_chunk_seqs WHERE run_id = :run")
                            .param("run", runId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(chunkCount));
    List<Long> seqs =
        jdbc.sql("SELECT seq FROM run_chunk_seqs WHERE run_id = :run ORDER BY seq")
            .param("run", runId)
            .query(Long.class)
            .list();
    assertThat(seqs)
        .containsExactlyElementsOf(
            events.subList(0, events.size() - 1).stream().map(TestApi.Event::seq).toList());
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    JsonNode agent =
        api.get("/api/v1/sessions/" + sessionId + "/messages", token).json().path("results").get(1);
    assertThat(agent.path("text").asString()).isEqualTo(SessionFlowIT.text(events));
    assertThat(agent.path("status").asString()).isEqualTo("completed");
    assertThat(
            jdbc.sql("SELECT count(*) FROM usage_ledger WHERE run_id = :run")
                .param("run", runId)
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }
}
