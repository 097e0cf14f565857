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
 * opened without the security filter chain and MVC ({@code DirectStreams}), and answers exactly as
 * the regular way does: the same status, body and security headers for a replay, a reader at the
 * end, a bad resume point, another organisation's run and a session's stream; a token that does not
 * verify takes the regular way and its 401.
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

  /** The same request the direct way and the regular way (as a browser): the same answer. */
  private TestApi.Answer sameBothWays(String path, String token, Map<String, String> headers) {
    double before = direct();
    TestApi.Answer directly = get(path, token, headers);
    assertThat(direct()).as("%s taken the direct way", path).isEqualTo(before + 1);
    Map<String, String> browser = new HashMap<>(headers);
    browser.put("Origin", BROWSER);
    TestApi.Answer regularly = get(path, token, browser);
    assertThat(direct()).as("%s from a browser taken the regular way", path).isEqualTo(before + 1);
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
}
