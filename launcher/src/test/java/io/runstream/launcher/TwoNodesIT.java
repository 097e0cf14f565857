package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.sink.ChunkSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two fan-out nodes (the platform's own and a second one): a reader on node A that is cut off
 * reconnects to node B with its Last-Event-ID and gets exactly the rest, live or after the end, and
 * a node started after a run began still serves all of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodesIT extends PlatformIT {
  @Autowired ChunkSink sink;
  private ConfigurableApplicationContext nodeB;

  @BeforeAll
  void startSecondNode() {
    nodeB = startNode(Map.of());
  }

  @AfterAll
  void stopSecondNode() {
    if (nodeB != null) {
      nodeB.close();
    }
  }

  /**
   * Properties of the second node beyond the platform's: the layout in the per-run-topic variant.
   */
  Map<String, Object> nodeProperties() {
    return Map.of();
  }

  private ConfigurableApplicationContext startNode(Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>(nodeProperties());
    properties.putAll(extra);
    return startFanoutNode(properties);
  }

  private static TestApi api(ConfigurableApplicationContext context) {
    return new TestApi(((WebServerApplicationContext) context).getWebServer().getPort());
  }

  @Test
  void shouldGiveAReaderCutOffOnNodeAExactlyTheRestOnNodeB() throws Exception {
    TestApi nodeA = api();
    TestApi b = api(nodeB);
    String token = TestApi.freshToken();
    String sessionId =
        nodeA
            .post("/api/v1/sessions", token, TestApi.sessionBody("two nodes", 150, 100))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    List<TestApi.Event> whole;
    List<TestApi.Event> stitched = new ArrayList<>();
    try (TestApi.Stream reference = b.stream(path, token)) {
      try (TestApi.Stream onA = nodeA.stream(path, token)) {
        stitched.addAll(onA.take(12, Duration.ofSeconds(20)));
      }
      try (TestApi.Stream onB =
          b.stream(path, token, Map.of("Last-Event-ID", Long.toString(stitched.getLast().seq())))) {
        stitched.addAll(onB.untilDone(Duration.ofSeconds(30)));
      }
      whole = reference.untilDone(Duration.ofSeconds(30));
    }
    assertThat(stitched).isEqualTo(whole);
    assertThat(whole.getLast().done()).isTrue();
  }

  /**
   * A reader that comes before its run has produced anything (queued behind its session's live run)
   * is served from memory once the run starts, without a read from Kafka: searching the broker for
   * a run yet to start would cost every early reader round trips for nothing.
   */
  @Test
  void shouldServeAReaderThatCameBeforeItsRunStartedWithoutReadingKafka() throws Exception {
    TestApi a = api();
    TestApi b = api(nodeB);
    String token = TestApi.freshToken();
    TestApi.Answer created =
        a.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"first\",\"simulation\":{\"tokens_per_second\":5,\"output_tokens\":200}}");
    String session = created.json().path("uuid").asString();
    String first = created.json().path("run_uuid").asString();
    TestApi.Answer second =
        a.post(
            "/api/v1/sessions/" + session + "/messages",
            token,
            "{\"text\":\"second\",\"multitask_strategy\":\"enqueue\","
                + "\"simulation\":{\"tokens_per_second\":0,\"output_tokens\":20}}");
    assertThat(second.status()).as(second.body()).isEqualTo(201);
    String queued = second.json().path("run_uuid").asString();
    double before = kafkaReads(nodeB);
    List<TestApi.Event> events;
    try (TestApi.Stream stream = b.stream("/api/v1/runs/" + queued + "/stream", token)) {
      assertThat(stream.status).isEqualTo(200);
      assertThat(a.post("/api/v1/runs/" + first + "/cancel", token, "").status()).isEqualTo(202);
      events = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(events.getFirst().type()).isEqualTo("start");
    assertThat(events.getLast().done()).as(TestApi.Event.outline(events)).isTrue();
    assertThat(kafkaReads(nodeB)).isEqualTo(before);
  }

  private static double kafkaReads(ConfigurableApplicationContext node) {
    return node.getBean(MeterRegistry.class).counter("runstream.fanout.resume.kafka").count();
  }

  /**
   * Whether the late node must read the run's start back from Kafka (the warm tier): on the shared
   * topic it tails from the end; on the per-run-topic layout it may instead fetch the run's own
   * topic from offset 0 once a reader asks, and then holds the run from its start in memory (either
   * way the reader gets the same events).
   */
  boolean lateNodeReadsBackFromKafka() {
    return true;
  }

  @Test
  void shouldServeALiveRunFromItsStartOnANodeStartedAfterTheRunBegan() throws Exception {
    serveALiveRunFromItsStartOnALateNode();
  }

  /**
   * While the sink logs nothing (it lags, e.g. after a broker or database outage), the run's row
   * does not say where its chunks start in Kafka: the late node finds them by the run's key and
   * creation time, and its reader gets every event without waiting for the sink.
   */
  @Test
  void shouldServeALiveRunFromItsStartOnALateNodeWhileTheSinkLogsNothing() throws Exception {
    sink.stop();
    try {
      serveALiveRunFromItsStartOnALateNode();
    } finally {
      sink.start();
    }
  }

  private void serveALiveRunFromItsStartOnALateNode() throws Exception {
    TestApi nodeA = api();
    String token = TestApi.freshToken();
    String runId =
        nodeA.startRun(token, "late node", "{\"output_tokens\":1200,\"tokens_per_second\":120}");
    String path = "/api/v1/runs/" + runId + "/stream";
    List<TestApi.Event> whole;
    try (TestApi.Stream reference = nodeA.stream(path, token)) {
      reference.take(20, Duration.ofSeconds(20));
      // A node that starts now, with no look-back, never saw the run's start: it reads it back from
      // Kafka.
      ConfigurableApplicationContext late =
          startNode(Map.of("runstream.fanout.start-lookback", "0s"));
      try {
        try (TestApi.Stream fromLate = api(late).stream(path, token)) {
          List<TestApi.Event> events = fromLate.untilDone(Duration.ofSeconds(30));
          try (TestApi.Stream again = nodeA.stream(path, token)) {
            whole = again.untilDone(Duration.ofSeconds(30));
          }
          assertThat(events)
              .as(
                  "the late node's stream %s%nits replay on the first node %s",
                  TestApi.Event.outline(events), TestApi.Event.outline(whole))
              .isEqualTo(whole);
          if (lateNodeReadsBackFromKafka()) {
            assertThat(kafkaReads(late)).isPositive();
          }
        }
      } finally {
        late.close();
      }
    }
    assertThat(whole.getFirst().type()).isEqualTo("start");
  }
}
