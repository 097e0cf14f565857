package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fan-out's metrics are on /actuator/prometheus. */
class MetricsIT extends PlatformIT {
  @Test
  void shouldExposeTheFanOutMetricsForPrometheus() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId = api.post("/api/v1/sessions", token, TestApi.sessionBody("metrics", 20, 0)).json().path("uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    TestApi.Answer scrape = api.get("/actuator/prometheus", null);
    assertThat(scrape.status()).isEqualTo(200);
    assertThat(scrape.body())
        .contains("runstream_fanout_streams_live")
        .contains("runstream_fanout_readers ")
        .contains("runstream_fanout_hot_runs")
        .contains("runstream_fanout_hot_bytes")
        .contains("runstream_fanout_consumer_lag")
        .contains("runstream_fanout_delivery_latency_seconds_bucket")
        .contains("runstream_fanout_hot_evictions_total")
        .contains("runstream_fanout_readers_disconnected_slow_total")
        .contains("runstream_sink_chunks_persisted_total");
    assertThat(api.get("/actuator/health", null).body()).contains("\"status\":\"UP\"");
  }
}
