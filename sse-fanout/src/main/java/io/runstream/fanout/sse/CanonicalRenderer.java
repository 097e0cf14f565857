package io.runstream.fanout.sse;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders chunks as the canonical face's events: AI SDK UI message stream parts ({@code data: <json>}), each with
 * {@code id: <seq>}. One chunk is one event, so that an id always names exactly one event.
 */
public final class CanonicalRenderer {
  /** The text part id prefix of the seed. */
  public static final String TEXT_PART_PREFIX = "pending-message-";

  private static final byte[] NONE = new byte[0];

  private CanonicalRenderer() {}

  /** The event's bytes, or an empty array for a chunk this face does not show. */
  public static byte[] render(RunChunk chunk) {
    ObjectNode part = part(chunk);
    if (part == null) {
      return NONE;
    }
    String json = EventJson.MAPPER.writeValueAsString(part);
    return ("id: " + chunk.seq() + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The stream's last line after the run's {@code finish}. */
  public static byte[] done(long lastSeq) {
    return ("id: " + lastSeq + "\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
  }

  static ObjectNode part(RunChunk chunk) {
    ObjectNode node = EventJson.MAPPER.createObjectNode();
    String textId = TEXT_PART_PREFIX + chunk.part();
    switch (chunk.data()) {
      case ChunkData.RunStarted d -> node.put("type", "start").put("messageId", d.messageId().toString());
      case ChunkData.StepStarted d -> node.put("type", "start-step");
      case ChunkData.TextStart d -> node.put("type", "text-start").put("id", textId);
      case ChunkData.TextDelta d -> node.put("type", "text-delta").put("id", textId).put("delta", d.delta());
      case ChunkData.TextEnd d -> node.put("type", "text-end").put("id", textId);
      case ChunkData.ReasoningStart d -> node.put("type", "reasoning-start").put("id", "reasoning-" + chunk.part());
      case ChunkData.ReasoningDelta d ->
          node.put("type", "reasoning-delta").put("id", "reasoning-" + chunk.part()).put("delta", d.delta());
      case ChunkData.ReasoningEnd d -> node.put("type", "reasoning-end").put("id", "reasoning-" + chunk.part());
      case ChunkData.ToolCall d -> {
        node.put("type", "tool-input-available").put("toolCallId", d.toolCallId()).put("toolName", d.toolName());
        node.set("input", d.input() == null ? EventJson.MAPPER.createObjectNode() : d.input());
      }
      case ChunkData.ToolResult d -> {
        if (d.errorText() != null) {
          node.put("type", "tool-output-error").put("toolCallId", d.toolCallId()).put("errorText", d.errorText());
        } else {
          node.put("type", "tool-output-available").put("toolCallId", d.toolCallId());
          node.set("output", d.output() == null ? EventJson.MAPPER.nullNode() : d.output());
        }
      }
      case ChunkData.Stage d -> {
        node.put("type", "data-stage");
        node.putObject("data")
            .put("missionLabel", d.missionLabel())
            .put("mood", d.mood())
            .put("leftPanel", d.leftPanel())
            .put("rightPanel", d.rightPanel())
            .put("stageTarget", d.stageTarget());
      }
      case ChunkData.Usage d -> {
        node.put("type", "data-usage");
        node.putObject("data")
            .put("model", d.model())
            .put("inputTokens", d.inputTokens())
            .put("outputTokens", d.outputTokens());
      }
      case ChunkData.Doc d -> {
        node.put("type", "data-doc");
        node.putObject("data").put("stage", d.stage()).put("fileName", d.fileName());
      }
      case ChunkData.Image d ->
          node.put("type", "file").put("url", d.url()).put("mediaType", d.mediaType() == null ? "image/png" : d.mediaType());
      case ChunkData.StepFinished d -> node.put("type", "finish-step");
      case ChunkData.Error d -> node.put("type", "error").put("errorText", d.message().isEmpty() ? d.code() : d.message());
      case ChunkData.RunAborted d -> node.put("type", "abort").put("reason", d.reason() == null ? "stopped" : d.reason());
      case ChunkData.RunFinished d -> {
        node.put("type", "finish");
        if (d.finishReason() != null) {
          node.put("finishReason", d.finishReason());
        }
      }
      case ChunkData.Unrecognized d -> {
        return null;
      }
    }
    return node;
  }
}
