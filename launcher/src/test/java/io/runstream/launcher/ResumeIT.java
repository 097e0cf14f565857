package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Resume by Last-Event-ID and ?after=: exactly the rest, no gap, no duplicate, live or finished.
 */
class ResumeIT extends PlatformIT {

  @Test
  void shouldResumeMidRunFromLastEventIdWithExactlyTheRestOfAnUninterruptedRead() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    // Paced, so that the reader drops while the run is still live.
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("tell me about streams", 120, 200))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";

    List<TestApi.Event> whole;
    List<TestApi.Event> head;
    try (TestApi.Stream uninterrupted = api.stream(path, token);
        TestApi.Stream dropped = api.stream(path, token)) {
      head = dropped.take(10, Duration.ofSeconds(20));
      dropped.close();
      assertThat(head).hasSize(10);
      long lastSeen = head.getLast().seq();
      List<TestApi.Event> rest;
      try (TestApi.Stream resumed =
          api.stream(path, token, Map.of("Last-Event-ID", Long.toString(lastSeen)))) {
        rest = resumed.untilDone(Duration.ofSeconds(30));
      }
      whole = uninterrupted.untilDone(Duration.ofSeconds(30));
      List<TestApi.Event> stitched = new ArrayList<>(head);
      stitched.addAll(rest);
      assertThat(stitched).isEqualTo(whole);
    }
    assertThat(whole.getLast().done()).isTrue();
  }

  @Test
  void shouldResumeAFinishedRunFromAnyMiddleIdWithTheQueryParameter() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"hi\",\"simulation\":{\"output_tokens\":40,\"tokens_per_second\":0}}");
    assertThat(run.status()).isEqualTo(202);
    String path = "/api/v1/runs/" + run.json().path("run_uuid").asString() + "/stream";
    List<TestApi.Event> whole;
    try (TestApi.Stream stream = api.stream(path, token)) {
      whole = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(whole.getLast().done()).isTrue();
    for (int cut : List.of(0, 1, whole.size() / 2, whole.size() - 3)) {
      long after = whole.get(cut).seq();
      try (TestApi.Stream stream = api.stream(path + "?after=" + after, token)) {
        assertThat(stream.untilDone(Duration.ofSeconds(30)))
            .isEqualTo(whole.subList(cut + 1, whole.size()));
      }
    }
    long last = whole.get(whole.size() - 2).seq();
    try (TestApi.Stream stream = api.stream(path + "?after=" + last, token)) {
      assertThat(stream.status).isEqualTo(204);
    }
  }

  @Test
  void shouldGiveEveryOneOfManyConcurrentReadersEveryEvent() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("many readers", 80, 400))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<List<TestApi.Event>>> readers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Callable<List<TestApi.Event>> read =
            () -> {
              try (TestApi.Stream stream = api.stream(path, token)) {
                return stream.untilDone(Duration.ofSeconds(30));
              }
            };
        readers.add(pool.submit(read));
      }
      List<TestApi.Event> reference = readers.getFirst().get();
      assertThat(reference.getLast().done()).isTrue();
      for (Future<List<TestApi.Event>> reader : readers) {
        assertThat(reader.get()).isEqualTo(reference);
      }
    }
  }

  @Test
  void shouldKeepIdsIncreasingAcrossASessionsRuns() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("one", 20, 0))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    long previousLast = 0;
    for (int run = 0; run < 3; run++) {
      if (run > 0) {
        assertThat(
                api.post(
                        "/api/v1/sessions/" + sessionId + "/messages",
                        token,
                        TestApi.sessionBody("again", 20, 0))
                    .status())
            .isEqualTo(201);
      }
      List<TestApi.Event> events;
      try (TestApi.Stream stream =
          api.stream(path, token, Map.of("Last-Event-ID", Long.toString(previousLast)))) {
        events = stream.untilDone(Duration.ofSeconds(30));
      }
      assertThat(events.getFirst().seq()).isEqualTo(previousLast + 1);
      previousLast = events.getLast().seq();
    }
  }

  @Test
  void shouldAnswer204ToAReconnectWithTheLastIdRightAfterTheFinish() throws Exception {
    TestApi api = api();
    for (int i = 0; i < 5; i++) {
      String token = TestApi.freshToken();
      String sessionId =
          api.post("/api/v1/sessions", token, TestApi.sessionBody("quick", 10, 0))
              .json()
              .path("uuid")
              .asString();
      String path = "/api/v1/sessions/" + sessionId + "/stream";
      List<TestApi.Event> events;
      try (TestApi.Stream stream = api.stream(path, token)) {
        events = stream.untilDone(Duration.ofSeconds(30));
      }
      // Immediately, before the sink may have recorded the end: memory knows it.
      try (TestApi.Stream again =
          api.stream(path, token, Map.of("Last-Event-ID", Long.toString(events.getLast().seq())))) {
        assertThat(again.status).isEqualTo(204);
      }
    }
  }

  @Test
  void shouldFinishTheRunAReaderWasInBeforeMovingToTheSessionsNextRun() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("first", 30, 0))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    List<TestApi.Event> first;
    try (TestApi.Stream stream = api.stream(path, token)) {
      first = stream.untilDone(Duration.ofSeconds(30));
    }
    api.post(
        "/api/v1/sessions/" + sessionId + "/messages", token, TestApi.sessionBody("second", 30, 0));
    List<TestApi.Event> second;
    try (TestApi.Stream stream =
        api.stream(path, token, Map.of("Last-Event-ID", Long.toString(first.getLast().seq())))) {
      second = stream.untilDone(Duration.ofSeconds(30));
    }
    // A reader that dropped in the middle of the first run, coming back after the second has
    // finished.
    int cut = 5;
    try (TestApi.Stream stream =
        api.stream(path, token, Map.of("Last-Event-ID", Long.toString(first.get(cut).seq())))) {
      assertThat(stream.untilDone(Duration.ofSeconds(30)))
          .isEqualTo(first.subList(cut + 1, first.size()));
    }
    try (TestApi.Stream stream =
        api.stream(path, token, Map.of("Last-Event-ID", Long.toString(first.getLast().seq())))) {
      assertThat(stream.untilDone(Duration.ofSeconds(30))).isEqualTo(second);
    }
  }
}
