package io.runstream.fanout.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.fanout.sse.RendererResume;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.GoldenEvents;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CanonicalRendererTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final CanonicalRenderer RENDERER = new CanonicalRenderer();

  private static Map<String, JsonNode> renderedByChunkType() {
    return GoldenEvents.chunks().stream()
        .collect(Collectors.toMap(RunChunk::type, c -> part(c), (a, b) -> a));
  }

  private static JsonNode part(RunChunk chunk) {
    String event = new String(RENDERER.render(chunk), StandardCharsets.UTF_8);
    assertThat(event).startsWith("id: " + chunk.seq() + "\ndata: ").endsWith("\n\n");
    return JSON.readTree(event.substring(event.indexOf("data: ") + 6).strip());
  }

  @Test
  void shouldRenderEveryGoldenChunkAsOneUiMessageStreamPartWithItsId() {
    Map<String, JsonNode> parts = renderedByChunkType();
    assertThat(parts.get("run.started").path("type").asString()).isEqualTo("start");
    assertThat(parts.get("run.started").path("messageId").asString())
        .isEqualTo("e04b3a29-5a07-49e3-b180-279c99383220");
    assertThat(parts.get("step.started").path("type").asString()).isEqualTo("start-step");
    assertThat(parts.get("text.start").path("id").asString())
        .isEqualTo("pending-message-e04b3a29-5a07-49e3-b180-279c99383220");
    assertThat(parts.get("text.delta").path("delta").asString()).isEqualTo("Miso, ");
    assertThat(parts.get("text.end").path("type").asString()).isEqualTo("text-end");
    assertThat(parts.get("reasoning.delta").path("type").asString()).isEqualTo("reasoning-delta");
    assertThat(parts.get("tool.input-start").path("type").asString()).isEqualTo("tool-input-start");
    assertThat(parts.get("tool.input-start").path("toolName").asString()).isEqualTo("weather");
    assertThat(parts.get("tool.call").path("type").asString()).isEqualTo("tool-input-available");
    assertThat(parts.get("tool.call").path("input").path("city").asString()).isEqualTo("Oslo");
    assertThat(parts.get("tool.result").path("type").asString()).isEqualTo("tool-output-available");
    assertThat(parts.get("stage").path("data").path("missionLabel").asString()).isEqualTo("Naming");
    assertThat(parts.get("doc").path("data").path("fileName").asString()).isEqualTo("names.md");
    assertThat(parts.get("image").path("type").asString()).isEqualTo("file");
    assertThat(parts.get("usage").path("type").asString()).isEqualTo("data-usage");
    assertThat(parts.get("usage").path("data").path("inputTokens").asLong()).isEqualTo(12);
    assertThat(parts.get("error").path("errorText").asString())
        .isEqualTo("the model did not answer in time");
    assertThat(parts.get("step.finished").path("type").asString()).isEqualTo("finish-step");
    assertThat(parts.get("run.finished").path("type").asString()).isEqualTo("finish");
    assertThat(parts.get("run.finished").path("finishReason").asString()).isEqualTo("stop");
  }

  /**
   * Issue #24: text and reasoning deltas are written without a tree; their events are byte for byte
   * what the tree's Jackson rendering writes, for deltas that need escaping (quotes, backslashes,
   * line breaks, control characters, U+2028, non-ASCII and astral characters, an unpaired
   * surrogate).
   */
  @Test
  void shouldRenderDeltasDirectlyExactlyAsTheTreeDoes() {
    List<String> deltas =
        List.of(
            "Miso, ",
            "",
            "say \"hi\"",
            "back\\slash",
            "two\nlines\r\n",
            "tab\there",
            "\u0000\u0001\u001f\u007f",
            "line\u2028sep\u2029",
            "caf\u00e9 \u65e5\u672c",
            "\ud83d\ude00 emoji",
            "lone \ud83d surrogate",
            "</script>",
            "a/b");
    java.util.UUID run = java.util.UUID.randomUUID();
    long seq = 41;
    for (String delta : deltas) {
      for (io.runstream.schemas.ChunkData data :
          List.<io.runstream.schemas.ChunkData>of(
              new io.runstream.schemas.ChunkData.TextDelta(delta),
              new io.runstream.schemas.ChunkData.ReasoningDelta(delta))) {
        RunChunk chunk =
            new RunChunk(
                RunChunk.SCHEMA_VERSION, run, run, ++seq, java.time.Instant.now(), "7", data);
        byte[] direct = RENDERER.render(chunk);
        byte[] tree =
            io.runstream.fanout.sse.SseFrames.event(
                chunk.seq(),
                null,
                io.runstream.schemas.EventJson.MAPPER.writeValueAsString(
                    CanonicalRenderer.part(chunk)));
        assertThat(new String(direct, StandardCharsets.UTF_8))
            .as("%s %s", data.getClass().getSimpleName(), delta)
            .isEqualTo(new String(tree, StandardCharsets.UTF_8));
        assertThat(direct).isEqualTo(tree);
      }
    }
  }

  /** Issue #8: ids strictly increase, so [DONE] carries none (as the AI SDK sends it). */
  @Test
  void shouldEndWithDoneWithoutAnId() {
    RunChunk finish =
        GoldenEvents.chunks().stream()
            .filter(c -> c.type().equals("run.finished"))
            .findFirst()
            .orElseThrow();
    assertThat(new String(RENDERER.end(finish), StandardCharsets.UTF_8))
        .isEqualTo("data: [DONE]\n\n");
  }

  /**
   * Issue #27 item 4: a call waiting for approval is the AI SDK's {@code tool-approval-request}
   * (field for field: {@code approvalId}, {@code toolCallId}), a denied call its {@code
   * tool-output-denied}; both survive the chunk's JSON round trip.
   */
  @Test
  void shouldRenderAnApprovalRequestAndADenialAsTheAiSdkStreamsThem() {
    RunChunk golden = GoldenEvents.chunks().getFirst();
    RunChunk request =
        EventJson.readChunk(
            EventJson.writeChunk(
                RunChunk.of(
                    golden.runId(),
                    golden.sessionId(),
                    50,
                    golden.ts(),
                    null,
                    new ChunkData.ToolApprovalRequest("approval_call_1", "call_1"))));
    RunChunk denied =
        EventJson.readChunk(
            EventJson.writeChunk(
                RunChunk.of(
                    golden.runId(),
                    golden.sessionId(),
                    51,
                    golden.ts(),
                    null,
                    new ChunkData.ToolResult("call_1", null, "The user denied this call.", true))));
    assertThat(part(request).toString())
        .isEqualTo(
            "{\"type\":\"tool-approval-request\",\"approvalId\":\"approval_call_1\",\"toolCallId\":\"call_1\"}");
    assertThat(part(denied).toString())
        .isEqualTo("{\"type\":\"tool-output-denied\",\"toolCallId\":\"call_1\"}");
    assertThat(((ChunkData.ToolResult) denied.data()).wasDenied()).isTrue();
    assertThat(
            ((ChunkData.ToolResult)
                    GoldenEvents.chunks().stream()
                        .filter(c -> c.type().equals("tool.result"))
                        .findFirst()
                        .orElseThrow()
                        .data())
                .wasDenied())
        .isFalse();
  }

  /**
   * Issue #27 item 1: a stopped run ends {@code abort}, {@code data-usage}, then a {@code finish}
   * the AI SDK's {@code uiMessageChunkSchema} accepts: its {@code finishReason} only if the schema
   * has it, never {@code abort} (also for runs stopped before the worker's end changed, whose
   * chunks say {@code abort}).
   */
  @Test
  void shouldEndAStoppedRunWithAFinishTheAiSdkAccepts() {
    RunChunk golden =
        GoldenEvents.chunks().stream()
            .filter(c -> c.type().equals("run.finished"))
            .findFirst()
            .orElseThrow();
    RunChunk aborted =
        RunChunk.of(
            golden.runId(),
            golden.sessionId(),
            40,
            golden.ts(),
            null,
            new io.runstream.schemas.ChunkData.RunAborted("stopped by the user"));
    RunChunk usage =
        RunChunk.of(
            golden.runId(),
            golden.sessionId(),
            41,
            golden.ts(),
            null,
            new io.runstream.schemas.ChunkData.Usage("sim-1", 12, 7));
    RunChunk cancelled =
        RunChunk.of(
            golden.runId(),
            golden.sessionId(),
            42,
            golden.ts(),
            null,
            new io.runstream.schemas.ChunkData.RunFinished("cancelled", "abort"));
    assertThat(part(aborted).toString())
        .isEqualTo("{\"type\":\"abort\",\"reason\":\"stopped by the user\"}");
    assertThat(part(usage).toString())
        .isEqualTo(
            "{\"type\":\"data-usage\",\"data\":{\"model\":\"sim-1\",\"inputTokens\":12,\"outputTokens\":7}}");
    assertThat(part(cancelled).toString()).isEqualTo("{\"type\":\"finish\"}");
    for (String reason :
        List.of("stop", "length", "content-filter", "tool-calls", "error", "other")) {
      RunChunk finished =
          RunChunk.of(
              golden.runId(),
              golden.sessionId(),
              42,
              golden.ts(),
              null,
              new io.runstream.schemas.ChunkData.RunFinished("completed", reason));
      assertThat(part(finished).path("finishReason").asString()).isEqualTo(reason);
    }
    for (String reason : List.of("abort", "interrupted", "unknown", "cancelled")) {
      RunChunk finished =
          RunChunk.of(
              golden.runId(),
              golden.sessionId(),
              42,
              golden.ts(),
              null,
              new io.runstream.schemas.ChunkData.RunFinished("cancelled", reason));
      assertThat(part(finished).has("finishReason")).as(reason).isFalse();
    }
  }

  @Test
  void shouldRenderAResumedReadersEventsExactlyAsTheTailOfAnUninterruptedRead() {
    RendererResume.assertResumedEqualsTail(RENDERER);
  }

  @Test
  void shouldEscapeTextSoThatAnEventStaysOneDataLine() {
    List<RunChunk> chunks = GoldenEvents.chunks();
    RunChunk delta =
        chunks.stream().filter(c -> c.type().equals("text.delta")).findFirst().orElseThrow();
    RunChunk tricky =
        RunChunk.of(
            delta.runId(),
            delta.sessionId(),
            99,
            delta.ts(),
            delta.part(),
            new io.runstream.schemas.ChunkData.TextDelta("line one\n\ndata: fake\r\nid: 1"));
    String event = new String(RENDERER.render(tricky), StandardCharsets.UTF_8);
    assertThat(event.split("\n")).hasSize(2);
    assertThat(part(tricky).path("delta").asString()).isEqualTo("line one\n\ndata: fake\r\nid: 1");
  }
}
