package io.runstream.fanout.agentstream;

import io.runstream.core.face.AgentStreamFace;
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
 * The agent-stream face's rendering, field for field as seed 001 documents it: {@code event: data}
 * frames whose data is {@code {type:"text", text}}, {@code {type:"tool_use", id, name, input}},
 * {@code {type:"tool_result", id, output}}, {@code {type:"doc", stage, fileName}}, {@code
 * {type:"image", url, prompt}} or {@code {type:"usage", model, inputTokens, outputTokens}}, then
 * {@code event: end} with {@code data: {}}. Every frame carries its chunk's {@code id:}, the end
 * frame the run's finish id, so ids strictly increase and a reconnect with the last one answers
 * 204. A failed run also shows its {@code {type:"error", code, message, retryable}} before the end;
 * a failed tool result adds {@code isError: true} with the message as {@code output.error}; a
 * client tool call adds {@code origin: "client"}. Chunks the seed has no shape for (steps, part
 * boundaries, reasoning) are not shown.
 */
@Component
public class AgentStreamRenderer implements FaceRenderer {
  /** The event name of every chunk frame. */
  public static final String DATA_EVENT = "data";

  /** The event name of the last frame. */
  public static final String END_EVENT = "end";

  @Override
  public String face() {
    return AgentStreamFace.ID;
  }

  @Override
  public void headers(RunRow run, BiConsumer<String, String> header) {}

  @Override
  public byte[] render(RunChunk chunk) {
    if (chunk.data() instanceof ChunkData.RunFinished) {
      return SseFrames.event(chunk.seq(), END_EVENT, "{}");
    }
    ObjectNode data = data(chunk.data());
    return data == null
        ? SseFrames.NONE
        : SseFrames.event(chunk.seq(), DATA_EVENT, EventJson.MAPPER.writeValueAsString(data));
  }

  @Override
  public byte[] end(RunChunk terminal) {
    return SseFrames.NONE;
  }

  static ObjectNode data(ChunkData data) {
    ObjectNode node = EventJson.MAPPER.createObjectNode();
    switch (data) {
      case ChunkData.TextDelta d -> node.put("type", "text").put("text", d.delta());
      case ChunkData.ToolCall d -> {
        node.put("type", "tool_use").put("id", d.toolCallId()).put("name", d.toolName());
        node.set("input", d.input() == null ? EventJson.MAPPER.createObjectNode() : d.input());
        if ("client".equals(d.origin())) {
          node.put("origin", "client");
        }
      }
      case ChunkData.ToolResult d -> {
        node.put("type", "tool_result").put("id", d.toolCallId());
        if (d.errorText() != null) {
          node.putObject("output").put("error", d.errorText());
          node.put("isError", true);
        } else {
          node.set("output", d.output() == null ? EventJson.MAPPER.nullNode() : d.output());
        }
      }
      case ChunkData.Doc d -> {
        node.put("type", "doc").put("stage", d.stage()).put("fileName", d.fileName());
        if (d.error() != null) {
          node.put("error", d.error());
        }
      }
      case ChunkData.Image d ->
          node.put("type", "image").put("url", d.url()).put("prompt", d.prompt());
      case ChunkData.Usage d ->
          node.put("type", "usage")
              .put("model", d.model())
              .put("inputTokens", d.inputTokens())
              .put("outputTokens", d.outputTokens());
      case ChunkData.Error d ->
          node.put("type", "error")
              .put("code", d.code())
              .put("message", d.message())
              .put("retryable", d.retryable());
      default -> {
        return null;
      }
    }
    return node;
  }
}
