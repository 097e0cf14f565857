package io.runstream.fanout.genie;

import io.runstream.core.face.GenieFace;
import io.runstream.core.store.RunRow;
import io.runstream.fanout.sse.FaceRenderer;
import io.runstream.fanout.sse.SseFrames;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * The genie face's rendering (seed 000, docs/faces/genie.md): data-only events, each with its
 * {@code id:}: {@code {"type":"textResponseChunk","textResponse","close":false,"error":false}} per
 * text delta, {@code
 * {"type":"stage_update","missionLabel","mood","leftPanel","rightPanel","stageTarget"}} per stage,
 * tool and action calls as {@code {"type":"tool_call","id","name","input"}} and {@code
 * {"type":"tool_result","id","output"}} (or {@code "error"}), a failed run's error as a {@code
 * textResponseChunk} with {@code "error": true}, and exactly one last {@code
 * {"type":"finalizeResponseStream","textResponse":"","close":true,"error":false}}, after which the
 * server closes the stream.
 */
@Component
public class GenieRenderer implements FaceRenderer {
  /** The header naming the model backend of the run. */
  public static final String BACKEND_HEADER = "X-Genie-Backend";

  @Override
  public String face() {
    return GenieFace.ID;
  }

  /** Genie's header is set by its controller, on the admin route only. */
  @Override
  public void headers(RunRow run, BiConsumer<String, String> header) {}

  @Override
  public byte[] render(RunChunk chunk) {
    ObjectNode node = data(chunk.data());
    return node == null
        ? SseFrames.NONE
        : SseFrames.event(chunk.seq(), null, EventJson.MAPPER.writeValueAsString(node));
  }

  @Override
  public byte[] end(RunChunk terminal) {
    return SseFrames.NONE;
  }

  /** The gated answer: one {@code textResponse} that closes the stream; no run started. */
  public static byte[] gated(String message) {
    ObjectNode node =
        EventJson.MAPPER
            .createObjectNode()
            .put("type", "textResponse")
            .put("textResponse", message)
            .put("close", true)
            .put("error", false);
    return SseFrames.event(0L, null, EventJson.MAPPER.writeValueAsString(node));
  }

  static ObjectNode data(ChunkData data) {
    ObjectNode node = EventJson.MAPPER.createObjectNode();
    switch (data) {
      case ChunkData.TextDelta d ->
          node.put("type", "textResponseChunk")
              .put("textResponse", d.delta())
              .put("close", false)
              .put("error", false);
      case ChunkData.Stage d ->
          node.put("type", "stage_update")
              .put("missionLabel", d.missionLabel())
              .put("mood", d.mood())
              .put("leftPanel", d.leftPanel())
              .put("rightPanel", d.rightPanel())
              .put("stageTarget", d.stageTarget());
      case ChunkData.ToolCall d -> {
        node.put("type", "tool_call").put("id", d.toolCallId()).put("name", d.toolName());
        node.set("input", d.input() == null ? EventJson.MAPPER.createObjectNode() : d.input());
      }
      case ChunkData.ToolResult d -> {
        node.put("type", "tool_result").put("id", d.toolCallId());
        if (d.errorText() != null) {
          node.put("error", d.errorText());
        } else {
          node.set("output", d.output() == null ? EventJson.MAPPER.nullNode() : d.output());
        }
      }
      case ChunkData.Error d ->
          node.put("type", "textResponseChunk")
              .put("textResponse", d.message())
              .put("close", false)
              .put("error", true);
      // Always error:false (the contract's one final event); a failure was told by its
      // textResponseChunk.
      case ChunkData.RunFinished d ->
          node.put("type", "finalizeResponseStream")
              .put("textResponse", "")
              .put("close", true)
              .put("error", false);
      default -> {
        return null;
      }
    }
    return node;
  }
}
