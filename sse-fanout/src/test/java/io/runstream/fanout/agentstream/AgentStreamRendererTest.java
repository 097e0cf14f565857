package io.runstream.fanout.agentstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.fanout.sse.RendererResume;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.GoldenEvents;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The agent-stream face's frames, field for field as seed 001 shows them. */
class AgentStreamRendererTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AgentStreamRenderer RENDERER = new AgentStreamRenderer();

  private static String frame(RunChunk chunk) {
    return new String(RENDERER.render(chunk), StandardCharsets.UTF_8);
  }

  private static JsonNode data(RunChunk chunk) {
    String frame = frame(chunk);
    assertThat(frame).startsWith("id: " + chunk.seq() + "\nevent: data\ndata: ").endsWith("\n\n");
    assertThat(frame.split("\n")).hasSize(3);
    return JSON.readTree(frame.substring(frame.indexOf("data: ") + 6).strip());
  }

  private static RunChunk golden(String type) {
    return GoldenEvents.chunks().stream()
        .filter(c -> c.type().equals(type))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void shouldRenderTheSeedsChunkShapesExactly() {
    assertThat(data(golden("text.delta")))
        .isEqualTo(JSON.readTree("{\"type\":\"text\",\"text\":\"Miso, \"}"));
    JsonNode toolUse = data(golden("tool.call"));
    assertThat(toolUse.propertyNames()).containsExactly("type", "id", "name", "input");
    assertThat(toolUse.path("type").asString()).isEqualTo("tool_use");
    assertThat(toolUse.path("input").path("city").asString()).isEqualTo("Oslo");
    JsonNode toolResult = data(golden("tool.result"));
    assertThat(toolResult.propertyNames()).containsExactly("type", "id", "output");
    assertThat(toolResult.path("id").asString()).isEqualTo(toolUse.path("id").asString());
    JsonNode doc = data(golden("doc"));
    assertThat(doc.propertyNames()).containsExactly("type", "stage", "fileName");
    assertThat(doc.path("fileName").asString()).isEqualTo("names.md");
    JsonNode image = data(golden("image"));
    assertThat(image.propertyNames()).containsExactly("type", "url", "prompt");
    JsonNode usage = data(golden("usage"));
    assertThat(usage.propertyNames())
        .containsExactly("type", "model", "inputTokens", "outputTokens");
    assertThat(usage.path("inputTokens").isIntegralNumber()).isTrue();
    assertThat(usage.path("inputTokens").asLong()).isEqualTo(12);
  }

  @Test
  void shouldEndWithAnEndEventCarryingTheFinishIdAndAnEmptyObject() {
    RunChunk finish = golden("run.finished");
    assertThat(frame(finish)).isEqualTo("id: " + finish.seq() + "\nevent: end\ndata: {}\n\n");
    assertThat(RENDERER.end(finish)).isEmpty();
  }

  @Test
  void shouldShowNothingForChunksTheSeedHasNoShapeFor() {
    Map<String, String> frames =
        GoldenEvents.chunks().stream()
            .collect(Collectors.toMap(RunChunk::type, c -> frame(c), (a, b) -> a));
    for (String hidden :
        List.of(
            "run.started",
            "step.started",
            "text.start",
            "text.end",
            "reasoning.start",
            "reasoning.delta",
            "reasoning.end",
            "tool.input-start",
            "step.finished",
            "run.aborted",
            "stage")) {
      assertThat(frames.get(hidden)).as(hidden).isEmpty();
    }
  }

  @Test
  void shouldShowAFailedRunsErrorAndAFailedToolAsData() {
    RunChunk delta = golden("text.delta");
    RunChunk error =
        RunChunk.of(
            delta.runId(),
            delta.sessionId(),
            90,
            delta.ts(),
            null,
            new ChunkData.Error("rate_limited", "Slow down", true));
    assertThat(data(error))
        .isEqualTo(
            JSON.readTree(
                "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"Slow down\",\"retryable\":true}"));
    RunChunk failedTool =
        RunChunk.of(
            delta.runId(),
            delta.sessionId(),
            91,
            delta.ts(),
            null,
            new ChunkData.ToolResult("c1", null, "boom"));
    assertThat(data(failedTool))
        .isEqualTo(
            JSON.readTree(
                "{\"type\":\"tool_result\",\"id\":\"c1\",\"output\":{\"error\":\"boom\"},\"isError\":true}"));
  }

  @Test
  void shouldKeepATextDeltaWithLineBreaksOneEvent() {
    RunChunk delta = golden("text.delta");
    RunChunk tricky =
        RunChunk.of(
            delta.runId(),
            delta.sessionId(),
            99,
            delta.ts(),
            delta.part(),
            new ChunkData.TextDelta("a\n\nevent: end\r\nb"));
    assertThat(data(tricky).path("text").asString()).isEqualTo("a\n\nevent: end\r\nb");
  }

  @Test
  void shouldRenderAResumedReadersEventsExactlyAsTheTailOfAnUninterruptedRead() {
    RendererResume.assertResumedEqualsTail(RENDERER);
  }
}
