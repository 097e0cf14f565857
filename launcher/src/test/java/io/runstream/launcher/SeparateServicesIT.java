package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.fanout.FanoutApplication;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.ingest.IngestApplication;
import io.runstream.sink.SinkApplication;
import io.runstream.worker.WorkerApplication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Each service runs as its own application against the broker and PostgreSQL: a session created on
 * the ingest API's port streams from a separate fan-out node's port, run by a separate worker and
 * persisted by a separate sink.
 */
class SeparateServicesIT {

  private static ConfigurableApplicationContext start(
      Class<?> application, Map<String, Object> extra) {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.putAll(platform.serviceProperties());
    properties.putAll(extra);
    return new SpringApplicationBuilder(application).properties(properties).run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @Test
  void shouldServeASessionAcrossFourSeparatelyStartedServices() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    try {
      contexts.add(
          start(
              WorkerApplication.class,
              Map.of("runstream.worker.group-id", "separate-worker-" + suffix)));
      contexts.add(
          start(
              SinkApplication.class,
              Map.of(
                  "runstream.sink.group-id",
                  "separate-sink-" + suffix,
                  "runstream.usage.enabled",
                  false)));
      // This node keeps one waiting thread per stream (ADR 0011's way back), so that that path
      // stays tested too.
      ConfigurableApplicationContext fanout =
          start(FanoutApplication.class, Map.of("runstream.fanout.suspend-streams", false));
      contexts.add(fanout);
      ConfigurableApplicationContext ingest = start(IngestApplication.class, Map.of());
      contexts.add(ingest);

      TestApi ingestApi = new TestApi(port(ingest));
      TestApi fanoutApi = new TestApi(port(fanout));
      String token = TestApi.freshToken();
      TestApi.Answer created =
          ingestApi.post("/api/v1/sessions", token, TestApi.sessionBody("separately", 40, 0));
      assertThat(created.status()).isEqualTo(201);
      String sessionId = created.json().path("uuid").asString();
      List<TestApi.Event> events;
      try (TestApi.Stream stream =
          fanoutApi.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
        events = stream.untilDone(Duration.ofSeconds(30));
      }
      assertThat(events.getFirst().type()).isEqualTo("start");
      assertThat(events.getLast().done()).isTrue();
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () ->
                  assertThat(
                          ingestApi
                              .get("/api/v1/sessions/" + sessionId + "/messages", token)
                              .json()
                              .path("results")
                              .get(1)
                              .path("text")
                              .asString())
                      .isEqualTo(SessionFlowIT.text(events)));
      // Each process's readiness names exactly the consumer loops it runs (issue #29 item 5), and a
      // stopped loop takes
      // its process out of readiness while liveness stays UP.
      Map<ConfigurableApplicationContext, List<String>> loops =
          Map.of(
              contexts.get(0),
              List.of("runRequestIntake"),
              contexts.get(1),
              List.of("chunkSink"),
              fanout,
              List.of("chunkTail"),
              ingest,
              List.of());
      loops.forEach(
          (context, names) -> {
            TestApi.Answer readiness =
                new TestApi(port(context)).get("/actuator/health/readiness", null);
            assertThat(readiness.status()).as(context.getId()).isEqualTo(200);
            assertThat(
                    readiness
                        .json()
                        .path("components")
                        .path("consumers")
                        .path("components")
                        .propertyNames())
                .as(context.getId())
                .containsExactlyInAnyOrderElementsOf(names);
          });
      for (ConfigurableApplicationContext context : List.of(contexts.get(0), contexts.get(1))) {
        String loop = loops.get(context).getFirst();
        context.getBeansOfType(ConsumerLoop.class).values().stream()
            .filter(candidate -> loop.equals(candidate.reportedAs()))
            .findFirst()
            .orElseThrow()
            .stop();
        TestApi api = new TestApi(port(context));
        TestApi.Answer readiness = api.get("/actuator/health/readiness", null);
        assertThat(readiness.status()).as(loop).isEqualTo(503);
        assertThat(
                readiness
                    .json()
                    .path("components")
                    .path("consumers")
                    .path("components")
                    .path(loop)
                    .path("status")
                    .asString())
            .as(loop)
            .isEqualTo("DOWN");
        assertThat(api.get("/actuator/health/liveness", null).status()).as(loop).isEqualTo(200);
      }
      // The ingest API alone serves no streams, and the fan-out alone accepts no runs.
      assertThat(ingestApi.get("/api/v1/sessions/" + sessionId + "/stream", token).status())
          .isEqualTo(404);
      assertThat(fanoutApi.post("/api/v1/sessions", token, TestApi.sessionBody("x", 5, 0)).status())
          .isIn(404, 405);
    } finally {
      contexts.reversed().forEach(ConfigurableApplicationContext::close);
    }
  }
}
