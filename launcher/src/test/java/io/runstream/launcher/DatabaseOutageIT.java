package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL goes down in the middle of a run: the stream goes on (it is served from Kafka and
 * memory), new requests answer 503 with Retry-After instead of failing obscurely, and once
 * PostgreSQL is back the sink catches up with nothing lost or duplicated.
 */
class DatabaseOutageIT extends PlatformIT {
  @Autowired JdbcClient jdbc;

  @Test
  void shouldKeepStreamingThroughADatabaseOutageAndCatchUpAfterwards() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("outage", 300, 60));
    String sessionId = created.json().path("uuid").asString();
    UUID runId = UUID.fromString(created.json().path("run_uuid").asString());
    List<TestApi.Event> events = new ArrayList<>();
    var postgres = EmbeddedPlatform.shared().postgres();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      events.addAll(stream.take(20, Duration.ofSeconds(20)));
      postgres.stop();
      try {
        TestApi.Answer refused =
            api.post("/api/v1/sessions", TestApi.freshToken(), TestApi.sessionBody("during", 5, 0));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(refused.json().path("code").asString()).isEqualTo("database_unavailable");
        // The live stream goes on without the database.
        events.addAll(stream.take(40, Duration.ofSeconds(20)));
      } finally {
        postgres.restart();
      }
      events.addAll(stream.untilDone(Duration.ofSeconds(60)));
    }
    assertThat(events.getLast().done()).isTrue();
    assertThat(events.subList(0, events.size() - 1))
        .extracting(TestApi.Event::seq)
        .isSorted()
        .doesNotHaveDuplicates();
    long chunks = events.size() - 1;
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql("SELECT count(*) FROM run_chunk_seqs WHERE run_id = ?")
                            .param(runId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(chunks));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    JsonNode agent =
        api.get("/api/v1/sessions/" + sessionId + "/messages", token).json().path("results").get(1);
    assertThat(agent.path("text").asString()).isEqualTo(SessionFlowIT.text(events));
  }
}
