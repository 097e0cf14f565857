package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.admission.RunRequestMapper;
import io.runstream.core.face.Face;
import io.runstream.core.face.FaceRegistry;
import io.runstream.fanout.FanoutApplication;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.sse.FaceRenderer;
import io.runstream.fanout.sse.RendererSlots;
import io.runstream.infra.embedded.EmbeddedPlatform;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Issue #26 item 1: the face registry drives security, stream admission, the OpenAPI groups and the
 * renderers' slots. A face that exists only in the tests ({@link EchoFacePackage}: a {@code Face}
 * bean, a controller, a renderer) is added to a fan-out node as one more source, and gets, with no
 * edit to anything shared: its own security chain (every path authenticated, errors in its
 * dialect), the sign-in cookie on its stream GET and nowhere else, stream admission on its stream,
 * its OpenAPI document, and a cache slot for its renderer.
 */
class FaceRegistryIT extends PlatformIT {
  private static ConfigurableApplicationContext node;
  private static TestApi echo;

  @Autowired FaceRegistry platformFaces;
  @Autowired List<RunRequestMapper<?>> mappers;
  @Autowired List<FaceRenderer> renderers;

  @BeforeAll
  static void startNodeWithTheEchoFace() {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    // One stream opens at a time and none waits: a second opening is refused at once.
    properties.put("runstream.fanout.max-opening-streams", 1);
    properties.put("runstream.fanout.max-waiting-streams", 0);
    node =
        new SpringApplicationBuilder(FanoutApplication.class, EchoFacePackage.class)
            .properties(properties)
            .run();
    echo = new TestApi(((WebServerApplicationContext) node).getWebServer().getPort());
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  private static TestApi.Answer withCookie(String method, String path, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(echo.base() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Cookie", "runstream_token=" + token)
            .method(method, HttpRequest.BodyPublishers.noBody());
    return echo.send(request.build());
  }

  @Test
  void shouldTieEveryMapperAndRendererOfThePlatformToARegisteredFace() {
    assertThat(platformFaces.faces())
        .extracting(Face::name)
        .containsExactlyInAnyOrder(
            "canonical", "agent-stream", "genie", "project-chat", "responses", "ag-ui");
    for (RunRequestMapper<?> mapper : mappers) {
      assertThat(platformFaces.find(mapper.face())).as(mapper.face()).isPresent();
    }
    assertThat(mappers)
        .extracting(RunRequestMapper::face)
        .contains("agent-stream", "genie", "project-chat");
    for (FaceRenderer renderer : renderers) {
      assertThat(platformFaces.find(renderer.face())).as(renderer.face()).isPresent();
    }
  }

  @Test
  void shouldRegisterTheTestFaceBesideTheFourFaces() {
    assertThat(node.getBean(FaceRegistry.class).faces())
        .extracting(Face::name)
        .contains("canonical", "agent-stream", "project-chat", "genie", EchoFacePackage.NAME);
  }

  @Test
  void shouldGiveTheFaceItsOwnSecurityChainAnsweringInItsDialect() {
    // No controller serves it: only the face's chain stands between it and the default chain's
    // open 404.
    TestApi.Answer unmapped = echo.get("/echo/nothing", null);
    assertThat(unmapped.status()).isEqualTo(401);
    assertThat(unmapped.json().path("echoError").asString()).isEqualTo("unauthorized");
    TestApi.Answer anonymous = echo.post("/echo/run", null, "{}");
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.json().path("echoError").asString()).isEqualTo("unauthorized");
    TestApi.Answer stream = echo.get("/echo/stream/x", null);
    assertThat(stream.status()).isEqualTo(401);
    assertThat(stream.json().path("echoError").asString()).isEqualTo("unauthorized");

    String subject = "user-" + UUID.randomUUID();
    String token = TestApi.token("org-" + UUID.randomUUID(), subject);
    TestApi.Answer run = echo.post("/echo/run", token, "{}");
    assertThat(run.status()).isEqualTo(200);
    assertThat(run.json().path("subject").asString()).isEqualTo(subject);
  }

  @Test
  void shouldLetTheCookieAuthenticateTheFacesStreamAndNothingElse() {
    String subject = "user-" + UUID.randomUUID();
    String token = TestApi.token("org-" + UUID.randomUUID(), subject);
    TestApi.Answer stream = withCookie("GET", "/echo/stream/x", token);
    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.json().path("subject").asString()).isEqualTo(subject);
    TestApi.Answer post = withCookie("POST", "/echo/run", token);
    assertThat(post.status()).isEqualTo(401);
    assertThat(post.json().path("echoError").asString()).isEqualTo("unauthorized");
  }

  @Test
  void shouldAdmitTheFacesStreamsThroughStreamAdmission() throws Exception {
    EchoFacePackage.held = new CountDownLatch(1);
    EchoFacePackage.release = new CountDownLatch(1);
    String token = TestApi.freshToken();
    CompletableFuture<TestApi.Answer> holder =
        CompletableFuture.supplyAsync(() -> echo.get("/echo/stream/hold", token));
    try {
      assertThat(EchoFacePackage.held.await(30, TimeUnit.SECONDS)).isTrue();
      TestApi.Answer refused = echo.get("/echo/stream/y", token);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().path("echoError").asString()).isEqualTo("streams_busy");
      assertThat(refused.header("Retry-After")).isNotNull();
      // Not a stream: the POST is not bounded by stream admission.
      assertThat(echo.post("/echo/run", token, "{}").status()).isEqualTo(200);
    } finally {
      EchoFacePackage.release.countDown();
    }
    assertThat(holder.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(echo.get("/echo/stream/y", token).status()).isEqualTo(200);
  }

  @Test
  void shouldDocumentTheFaceInItsOwnOpenApiGroup() {
    TestApi.Answer document = echo.get("/v3/api-docs/" + EchoFacePackage.NAME, null);
    assertThat(document.status()).isEqualTo(200);
    JsonNode paths = document.json().path("paths");
    assertThat(paths.has("/echo/run")).isTrue();
    assertThat(paths.has("/echo/stream/{id}")).isTrue();
    assertThat(paths.has("/api/genie/stream-chat")).isFalse();
  }

  @Test
  void shouldAssignTheFacesRendererASlotOfItsOwn() {
    RendererSlots slots = node.getBean(RendererSlots.class);
    FaceRenderer echoRenderer = node.getBean(EchoFacePackage.EchoRenderer.class);
    assertThat(slots.slot(echoRenderer)).isNotNegative();
    Set<Integer> taken = new HashSet<>();
    List<FaceRenderer> renderers = List.copyOf(node.getBeansOfType(FaceRenderer.class).values());
    for (FaceRenderer renderer : renderers) {
      int slot = slots.slot(renderer);
      if (renderer.stateful()) {
        assertThat(slot).as(renderer.face()).isEqualTo(-1);
      } else {
        assertThat(taken.add(slot)).as("%s's slot %s is its own", renderer.face(), slot).isTrue();
        assertThat(slot).isLessThan(HotChunk.slots());
      }
    }
    assertThat(taken).hasSize(slots.count());
  }
}
