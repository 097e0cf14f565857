package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue #25: a server-side reader's canonical stream GET (a bearer token, no {@code Origin}) is
 * opened ahead of the servlets ({@code DirectStreams}, ADR 0024), and answers exactly as the
 * regular way does: the same status, body and security headers for a replay, a reader at the end, a
 * bad resume point, another organisation's run and a session's stream; a token that does not verify
 * takes the regular way and its 401; a live run's stream goes on and ends the direct way.
 */
class DirectStreamsIT extends PlatformIT {
  /** An allowed origin (PlatformIT): a browser's request, which takes the regular way. */
  private static final String BROWSER = "https://app.example.com";

  private static final List<String> SECURITY_HEADERS =
      List.of(
          "X-Content-Type-Options",
          "X-XSS-Protection",
          "X-Frame-Options",
          "Cache-Control",
          "Pragma",
          "Expires",
          "X-Model-Backend");

  @Autowired MeterRegistry meters;

  private double direct() {
    return meters.counter("runstream.fanout.streams.direct").count();
  }

  private TestApi.Answer get(String path, String token, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api().base() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .GET();
    headers.forEach(request::header);
    return api().send(request.build());
  }

  /**
   * The same request the direct way and the regular way (as a browser): the same answer. A stream
   * is served the direct way; an error before its first bytes is left to the regular way.
   */
  private TestApi.Answer sameBothWays(String path, String token, Map<String, String> headers) {
    double before = direct();
    TestApi.Answer directly = get(path, token, headers);
    boolean stream = directly.status() == 200 || directly.status() == 204;
    assertThat(direct())
        .as("%s (%d) taken the direct way", path, directly.status())
        .isEqualTo(stream ? before + 1 : before);
    before = direct();
    Map<String, String> browser = new HashMap<>(headers);
    browser.put("Origin", BROWSER);
    TestApi.Answer regularly = get(path, token, browser);
    assertThat(direct()).as("%s from a browser taken the regular way", path).isEqualTo(before);
    assertThat(directly.status()).as(path).isEqualTo(regularly.status());
    assertThat(directly.body()).as(path).isEqualTo(regularly.body());
    for (String name : SECURITY_HEADERS) {
      assertThat(directly.header(name)).as("%s %s", path, name).isEqualTo(regularly.header(name));
    }
    // The media type; a filter's problem says its charset (as StreamAdmission's 503 does).
    assertThat(mediaType(directly)).as(path).isEqualTo(mediaType(regularly));
    assertThat(directly.raw().headers().allValues("Vary"))
        .as(path)
        .containsExactlyElementsOf(regularly.raw().headers().allValues("Vary"));
    return directly;
  }

  private static String mediaType(TestApi.Answer answer) {
    String type = answer.header("Content-Type");
    return type == null ? null : type.split(";")[0];
  }

  @Test
  void shouldAnswerAServerSideReaderAsTheRegularWayDoes() {
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api().post("/api/v1/sessions", token, TestApi.sessionBody("direct, please", 12, 0));
    String session = created.json().path("uuid").asString();
    String run = created.json().path("run_uuid").asString();
    String path = "/api/v1/runs/" + run + "/stream";

    TestApi.Answer replay = sameBothWays(path, token, Map.of());
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.body()).contains("\"type\":\"finish\"").endsWith("data: [DONE]\n\n");
    List<String> ids = replay.body().lines().filter(l -> l.startsWith("id: ")).toList();
    String last = ids.getLast().substring(4);

    assertThat(sameBothWays(path, token, Map.of("Last-Event-ID", last)).status()).isEqualTo(204);
    assertThat(sameBothWays(path, token, Map.of("Last-Event-ID", "3")).body())
        .doesNotContain("id: 3\n");
    assertThat(sameBothWays(path, token, Map.of("Last-Event-ID", "x1")).status()).isEqualTo(400);
    assertThat(sameBothWays(path + "?compact=true", token, Map.of()).status()).isEqualTo(200);
    assertThat(sameBothWays(path, TestApi.freshToken(), Map.of()).status()).isEqualTo(404);
    assertThat(sameBothWays("/api/v1/sessions/" + session + "/stream", token, Map.of()).body())
        .isEqualTo(replay.body());

    // A token that does not verify: the regular way's 401, with its challenge.
    double before = direct();
    TestApi.Answer refused = get(path, token + "x", Map.of());
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(direct()).isEqualTo(before);
  }

  @Test
  void shouldStreamALiveRunTheDirectWayAsTheRegularWayReplaysIt() throws Exception {
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api().post("/api/v1/sessions", token, TestApi.sessionBody("live, directly", 40, 40));
    String run = created.json().path("run_uuid").asString();
    String path = "/api/v1/runs/" + run + "/stream";

    double before = direct();
    List<TestApi.Event> live;
    try (TestApi.Stream stream = api().stream(path, token)) {
      assertThat(stream.status).isEqualTo(200);
      assertThat(stream.response.headers().firstValue("Content-Type"))
          .hasValue("text/event-stream;charset=UTF-8");
      assertThat(stream.response.headers().firstValue("x-vercel-ai-ui-message-stream"))
          .hasValue("v1");
      live = stream.untilDone(Duration.ofSeconds(30));
      assertThat(stream.comments).contains(": ok");
    }
    assertThat(direct()).as("the live stream taken the direct way").isEqualTo(before + 1);
    assertThat(live.getLast().done()).isTrue();
    assertThat(live.stream().map(TestApi.Event::type)).contains("text-delta", "finish");

    // The same run replayed the regular way (a browser's request): the same ids and events.
    try (TestApi.Stream replay = api().stream(path, token, Map.of("Origin", BROWSER))) {
      assertThat(replay.status).isEqualTo(200);
      List<TestApi.Event> regular = replay.untilDone(Duration.ofSeconds(30));
      assertThat(live).containsExactlyElementsOf(regular);
    }
    assertThat(direct()).isEqualTo(before + 1);
  }
}
