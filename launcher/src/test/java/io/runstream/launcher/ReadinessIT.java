package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.fanout.tail.ChunkTail;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Issue #29 item 5: readiness tells the truth about the consumer loops a node depends on. A fan-out
 * node whose chunk tail is dead would never deliver to its readers: its readiness goes DOWN (503,
 * naming the tail) so that a load balancer stops sending it readers, while liveness stays UP
 * (restarting it blindly is not the probe's call); once the tail runs again the node is ready
 * again.
 */
class ReadinessIT extends PlatformIT {

  private static JsonNode consumers(TestApi.Answer readiness) {
    return readiness.json().path("components").path("consumers").path("components");
  }

  @Test
  void shouldIncludeEveryConsumerLoopOfTheAllInOneProcessInReadiness() {
    TestApi.Answer readiness = api().get("/actuator/health/readiness", null);
    assertThat(readiness.status()).isEqualTo(200);
    JsonNode loops = consumers(readiness);
    for (String loop : new String[] {"chunkTail", "runRequestIntake", "chunkSink"}) {
      assertThat(loops.path(loop).path("status").asString()).as(loop).isEqualTo("UP");
    }
  }

  @Test
  void shouldTakeAFanoutNodeWithADeadTailOutOfReadinessButKeepItLive() {
    ConfigurableApplicationContext node = startFanoutNode(Map.of());
    try {
      TestApi api = new TestApi(((WebServerApplicationContext) node).getWebServer().getPort());
      await("the node to be ready")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                TestApi.Answer readiness = api.get("/actuator/health/readiness", null);
                assertThat(readiness.status()).isEqualTo(200);
                // a fan-out node alone reports its tail and nothing of the other services
                assertThat(consumers(readiness).propertyNames()).containsExactly("chunkTail");
              });

      ChunkTail tail = node.getBean(ChunkTail.class);
      tail.stop();
      TestApi.Answer down = api.get("/actuator/health/readiness", null);
      assertThat(down.status()).isEqualTo(503);
      assertThat(down.json().path("status").asString()).isEqualTo("DOWN");
      assertThat(consumers(down).path("chunkTail").path("status").asString()).isEqualTo("DOWN");
      TestApi.Answer liveness = api.get("/actuator/health/liveness", null);
      assertThat(liveness.status()).isEqualTo(200);
      assertThat(liveness.json().path("status").asString()).isEqualTo("UP");
      // the shared platform's own node is not affected
      assertThat(api().get("/actuator/health/readiness", null).status()).isEqualTo(200);

      tail.start();
      await("the node to be ready again")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(api.get("/actuator/health/readiness", null).status()).isEqualTo(200));
      assertThat(api.get("/actuator/health/liveness", null).status()).isEqualTo(200);
    } finally {
      node.close();
    }
  }
}
