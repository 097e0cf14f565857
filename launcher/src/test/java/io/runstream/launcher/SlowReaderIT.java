package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A reader that stops reading falls behind, is cut off without slowing the run or other readers,
 * and resumes by Last-Event-ID with nothing lost.
 */
class SlowReaderIT extends PlatformIT {
  @Autowired MeterRegistry meters;

  @Test
  void shouldCutOffAStalledReaderWithoutSlowingOthersAndLetItResume() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    double cutBefore = meters.counter("runstream.fanout.readers.disconnected.slow").count();
    // About 60,000 events as fast as the worker can make them: megabytes, more than socket buffers
    // hold.
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("flood", 60_000, 0))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<InputStream> stalled =
        client.send(
            HttpRequest.newBuilder(URI.create(api.base() + path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stalled.statusCode()).isEqualTo(200);

    List<TestApi.Event> healthy;
    try (TestApi.Stream stream = api.stream(path, token)) {
      healthy = stream.untilDone(Duration.ofSeconds(120));
    }
    assertThat(healthy.getLast().done()).isTrue();
    assertThat(healthy.size()).isGreaterThan(30_000);

    // Now the stalled reader reads: what it gets is a gap-free prefix that stops short of the end.
    List<TestApi.Event> prefix = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stalled.body(), StandardCharsets.UTF_8))) {
      String line;
      String id = null;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          prefix.add(new TestApi.Event(id, line.substring(6)));
        }
      }
    }
    assertThat(prefix).isNotEmpty();
    assertThat(prefix.getLast().done()).isFalse();
    assertThat(prefix).isEqualTo(healthy.subList(0, prefix.size()));
    assertThat(meters.counter("runstream.fanout.readers.disconnected.slow").count())
        .isGreaterThan(cutBefore);

    try (TestApi.Stream resumed =
        api.stream(path, token, Map.of("Last-Event-ID", prefix.getLast().id()))) {
      List<TestApi.Event> rest = resumed.untilDone(Duration.ofSeconds(60));
      List<TestApi.Event> stitched = new ArrayList<>(prefix);
      stitched.addAll(rest);
      assertThat(stitched).isEqualTo(healthy);
    }
  }
}
