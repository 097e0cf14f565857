package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #23, item 3: a cancel ends a run at once whatever the run waits on: a token paced 17
 * minutes away, a client tool's result, a server-side flow (webhook) that never answers, a model
 * provider that stalls mid-stream. The run ends {@code cancelled} with its usual end ({@code
 * abort}, {@code data-usage}, {@code finish}). The bounds are functional (without the stop each of
 * these runs would go on for minutes), not a benchmark; the measured times are logged.
 */
class StopAnywhereIT extends PlatformIT {
  private static final Logger LOG = LoggerFactory.getLogger(StopAnywhereIT.class);

  /** How long a cancelled run may take to end; what it waits on would hold it for minutes. */
  private static final Duration WITHIN = Duration.ofSeconds(3);

  private static final Duration START = Duration.ofSeconds(30);

  @Test
  void shouldCancelARunWaitingForATokenPacedMinutesAway() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    // The probe of issue #23: one token every 1,000 s.
    TestApi.Answer created =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0.001}}");
    assertThat(created.status()).as(created.body()).isEqualTo(202);
    String runId = created.json().path("run_uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      List<TestApi.Event> seen = until(stream, "start-step");
      List<TestApi.Event> rest = cancel(api, token, runId, stream, "a paced sleep");
      seen.addAll(rest);
      assertThat(seen).extracting(TestApi.Event::type).doesNotContain("text-delta");
    }
  }

  @Test
  void shouldCancelARunWaitingForAClientToolsResult() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String runId =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"where am I\",\"tools\":[{\"name\":\"getLocation\"}],"
                    + "\"simulation\":{\"tokens_per_second\":0,\"script\":[{\"type\":\"call\",\"name\":\"getLocation\",\"input\":{}}]}}")
            .json()
            .path("run_uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      until(stream, "tool-input-available");
      List<TestApi.Event> rest = cancel(api, token, runId, stream, "a client tool");
      assertThat(rest.getFirst().type()).isEqualTo("tool-output-error");
      assertThat(rest.getFirst().json().path("errorText").asString())
          .isEqualTo("The run was stopped while the tool ran.");
    }
  }

  @Test
  void shouldCancelARunWaitingForAServerFlowThatNeverAnswers() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    int hanging = FakeModels.get().flows().stalling();
    // An action tag: its flow (a webhook) is called by the worker, and this one never answers (its
    // timeout is 10 s).
    String runId =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"file it\",\"simulation\":{\"tokens_per_second\":0,"
                    + "\"script\":[{\"type\":\"text\",\"text\":\"Filing. [ACTION:post-create:{\\\"title\\\":\\\"hang up\\\"}] Done.\"}]}}")
            .json()
            .path("run_uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      until(stream, "tool-input-available");
      await().atMost(START).until(() -> FakeModels.get().flows().stalling() > hanging);
      List<TestApi.Event> rest = cancel(api, token, runId, stream, "a server flow");
      assertThat(rest.getFirst().type()).isEqualTo("tool-output-error");
      assertThat(rest.getFirst().json().path("errorText").asString())
          .isEqualTo("The run was stopped while the tool ran.");
      assertThat(rest).extracting(TestApi.Event::type).doesNotContain("text-delta");
    }
  }

  @Test
  void shouldCancelARunWhoseModelProviderStallsMidStream() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    int stalled = FakeModels.get().openAi().stalling();
    String runId =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"Please stall mid-stream\",\"model\":\""
                    + FakeModels.OPENAI
                    + "/qwen3:8b\"}")
            .json()
            .path("run_uuid")
            .asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      List<TestApi.Event> seen = until(stream, "text-delta");
      assertThat(seen.getLast().json().path("delta").asString()).isEqualTo("Thinking ");
      await().atMost(START).until(() -> FakeModels.get().openAi().stalling() > stalled);
      cancel(api, token, runId, stream, "a stalled provider stream");
    }
  }

  /** The stream's events up to and including the first of {@code type}. */
  private static List<TestApi.Event> until(TestApi.Stream stream, String type)
      throws InterruptedException {
    List<TestApi.Event> seen = new ArrayList<>();
    TestApi.Event event;
    do {
      event = stream.next(START);
      assertThat(event).as("a %s event after %s", type, seen).isNotNull();
      seen.add(event);
    } while (!event.type().equals(type));
    return seen;
  }

  /**
   * Cancels the run and checks that its stream ends with {@code abort}, {@code data-usage}, {@code
   * finish} within {@link #WITHIN} of the cancel, and that its status is then {@code cancelled};
   * returns the events after the cancel.
   */
  private static List<TestApi.Event> cancel(
      TestApi api, String token, String runId, TestApi.Stream stream, String waitingOn)
      throws Exception {
    long asked = System.nanoTime();
    assertThat(api.post("/api/v1/runs/" + runId + "/cancel", token, "").status()).isEqualTo(202);
    List<TestApi.Event> rest = stream.untilDone(WITHIN);
    long streamEnded = System.nanoTime();
    assertThat(rest).as("the stream's end within %s of the cancel", WITHIN).isNotEmpty();
    assertThat(rest.getLast().done())
        .as("the stream's end within %s of the cancel: %s", WITHIN, rest)
        .isTrue();
    assertThat(rest.subList(rest.size() - 4, rest.size()))
        .extracting(TestApi.Event::type)
        .containsExactly("abort", "data-usage", "finish", "[DONE]");
    // Issue #27: a finish the AI SDK accepts (no finishReason), and the run's status read at once
    // is the stream's.
    assertThat(rest.get(rest.size() - 2).json().has("finishReason")).isFalse();
    assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
        .isEqualTo("cancelled");
    LOG.info(
        "Cancel of a run waiting on {}: stream ended after {} ms, status cancelled after {} ms",
        waitingOn,
        (streamEnded - asked) / 1_000_000,
        (System.nanoTime() - asked) / 1_000_000);
    return rest;
  }
}
