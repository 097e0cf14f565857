package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #27 item 1 on the profiles: a run stopped while its face streams it ends in that face's own
 * dialect, as its seed ends a reply, with the usage spent up to the stop where the face shows
 * usage: agent stream (seed 001) a {@code usage} frame then {@code event: end} {@code {}}; project
 * chat (seed 002) {@code event: done} with the whole text and {@code finish_reason: "cancelled"};
 * genie (seed 000) exactly one last {@code finalizeResponseStream} with {@code error: false}. None
 * shows an error, and the run reads {@code cancelled} at once.
 */
class StopOnEveryFaceIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String LONG =
      "\"simulation\":{\"output_tokens\":2000,\"tokens_per_second\":50}";

  @Test
  void shouldEndAStoppedAgentStreamWithItsUsageThenItsEndFrame() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    TestApi api = api();
    TestApi.Answer started =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/ai/agent/stream"))
                .header("orgid", org)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"task\":\"talk for a while\"," + LONG + "}"))
                .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    String runId = started.json().path("streamId").asString();
    List<TestApi.Event> events;
    try (TestApi.Stream stream = api.stream("/ai/stream/" + runId, token, Map.of("orgid", org))) {
      List<TestApi.Event> first = stream.take(8, WAIT);
      assertThat(api.post("/api/v1/runs/" + runId + "/cancel", token, "").status()).isEqualTo(202);
      events = new ArrayList<>(first);
      events.addAll(stream.all(WAIT));
    }
    assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
        .isEqualTo("cancelled");
    TestApi.Event end = events.getLast();
    TestApi.Event usage = events.get(events.size() - 2);
    assertThat(end.event()).isEqualTo("end");
    assertThat(end.data()).isEqualTo("{}");
    assertThat(usage.event()).isEqualTo("data");
    assertThat(usage.json().path("type").asString()).isEqualTo("usage");
    assertThat(usage.json().propertyNames())
        .containsExactly("type", "model", "inputTokens", "outputTokens");
    assertThat(usage.json().path("outputTokens").asLong()).isPositive();
    assertThat(events)
        .allMatch(e -> e.id() != null)
        .noneMatch(
            e -> "data".equals(e.event()) && e.json().path("type").asString().equals("error"));
    assertThat(events.subList(0, events.size() - 2))
        .allMatch(e -> "data".equals(e.event()) && e.json().path("type").asString().equals("text"));
  }

  @Test
  void shouldEndAStoppedProjectChatWithDoneCarryingTheWholeTextAndCancelled() throws Exception {
    String token = TestApi.freshToken();
    CompletableFuture<PostSse.Answer> answer =
        CompletableFuture.supplyAsync(
            () ->
                post(
                    "/api/v1/chat/stream",
                    token,
                    "{\"conversation_id\":\"stop-me\",\"message\":\"talk for a while\","
                        + LONG
                        + "}"));
    String runId = stopOnceStreaming(token);
    PostSse.Answer stopped = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(stopped.response().headers().firstValue("X-Run-Id")).hasValue(runId);
    assertThat(api().get("/api/v1/runs/" + runId, token).json().path("status").asString())
        .isEqualTo("cancelled");
    List<PostSse.Event> events = stopped.events();
    assertThat(events).allMatch(e -> e.id() != null).noneMatch(e -> "error".equals(e.event()));
    PostSse.Event done = events.getLast();
    assertThat(done.event()).isEqualTo("done");
    assertThat(done.data().propertyNames())
        .containsExactly("token", "done", "full_response", "document_types", "metadata");
    assertThat(done.data().path("done").asBoolean()).isTrue();
    assertThat(done.data().path("full_response").asString())
        .isNotEmpty()
        .isEqualTo(stopped.tokens());
    JsonNode metadata = done.data().path("metadata");
    assertThat(metadata.path("finish_reason").asString()).isEqualTo("cancelled");
    assertThat(metadata.path("run_id").asString()).isEqualTo(runId);
    assertThat(metadata.path("output_tokens").asLong()).isPositive();
  }

  @Test
  void shouldEndAStoppedGenieChatWithExactlyOneFinalizeAndNoError() throws Exception {
    String token = TestApi.freshToken();
    CompletableFuture<PostSse.Answer> answer =
        CompletableFuture.supplyAsync(
            () ->
                post(
                    "/api/genie/stream-chat",
                    token,
                    "{\"message\":\"talk for a while\"," + LONG + "}"));
    String runId = stopOnceStreaming(token);
    PostSse.Answer stopped = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(api().get("/api/v1/runs/" + runId, token).json().path("status").asString())
        .isEqualTo("cancelled");
    List<PostSse.Event> events = stopped.events();
    assertThat(events).allMatch(e -> e.id() != null && e.event() == null);
    assertThat(events.getLast().json().toString())
        .isEqualTo(
            "{\"type\":\"finalizeResponseStream\",\"textResponse\":\"\",\"close\":true,\"error\":false}");
    assertThat(events.stream().filter(e -> e.type().equals("finalizeResponseStream")).count())
        .isEqualTo(1);
    assertThat(events).noneMatch(e -> e.json().path("error").asBoolean());
    String text =
        events.stream()
            .filter(e -> e.type().equals("textResponseChunk"))
            .map(e -> e.json().path("textResponse").asString())
            .collect(Collectors.joining());
    assertThat(text).isNotEmpty();
  }

  private PostSse.Answer post(String path, String token, String body) {
    try {
      return PostSse.post(
          api().base() + path, Map.of("Authorization", "Bearer " + token), body, Integer.MAX_VALUE);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Cancels the caller's one run once it has streamed a few deltas; returns its id. */
  private String stopOnceStreaming(String token) {
    TestApi api = api();
    JsonNode run =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> api.get("/api/v1/runs", token).json().path("results").path(0),
                found ->
                    found.path("status").asString().equals("running")
                        && found.path("streamed_deltas").asLong() >= 5);
    String runId = run.path("uuid").asString();
    assertThat(api.post("/api/v1/runs/" + runId + "/cancel", token, "").status()).isEqualTo(202);
    return runId;
  }
}
