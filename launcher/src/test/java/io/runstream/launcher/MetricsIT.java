package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The fan-out's metrics are on /actuator/prometheus. */
class MetricsIT extends PlatformIT {
  @Test
  void shouldExposeTheFanOutMetricsForPrometheus() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("metrics", 20, 0))
            .json()
            .path("uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    TestApi.Answer scrape = api.get("/actuator/prometheus", TestApi.operatorToken("operators"));
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

  /**
   * The value of the first sample of metric {@code name} that has {@code label} among its labels,
   * or null.
   */
  private static Double sample(String scrape, String name, String label) {
    for (String line : scrape.split("\n")) {
      if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(label)) {
        return Double.valueOf(line.substring(line.lastIndexOf(' ') + 1).trim());
      }
    }
    return null;
  }

  @Test
  void shouldMeasureTheLagOfEveryRunstreamConsumerGroupAndTheSinksDelay() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("lag", 20, 0))
            .json()
            .path("uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    // Measured every 2 s here (runstream.sink.group-lag-interval): the groups of the worker, the
    // sink and the usage
    // roll-ups get a number; a group that keeps up has next to nothing left to read.
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String scrape =
                  api.get("/actuator/prometheus", TestApi.operatorToken("operators")).body();
              for (String group :
                  List.of(
                      "runstream-persistence-sink",
                      "runstream-agent-worker",
                      "runstream-usage-rollups",
                      "runstream-usage-writer")) {
                Double lag =
                    sample(scrape, "runstream_kafka_consumer_group_lag", "group=\"" + group + "\"");
                assertThat(lag).as(group).isNotNull();
                assertThat(lag.isNaN()).as(group + " measured").isFalse();
                assertThat(lag).as(group).isBetween(0.0, 1000.0);
              }
              Double delays = sample(scrape, "runstream_sink_persist_delay_seconds_count", "");
              assertThat(delays).isNotNull().isGreaterThan(0.0);
            });
  }
}
