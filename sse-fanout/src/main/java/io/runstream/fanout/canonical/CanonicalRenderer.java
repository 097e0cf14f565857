package io.runstream.fanout.canonical;

import io.runstream.core.face.CanonicalFace;
import io.runstream.core.store.RunRow;
import io.runstream.fanout.sse.FaceRenderer;
import io.runstream.fanout.sse.SseFrames;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Component;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical face's rendering (docs/faces/canonical.md): AI SDK UI message stream parts ({@code
 * data: <json>}), each with {@code id: <seq>}. One chunk is one event, so that an id always names
 * exactly one event. After {@code finish} the stream ends with {@code data: [DONE]} without an id,
 * as the AI SDK sends it: ids never repeat, and a client's last id stays the {@code finish} id (a
 * reconnect with it answers 204).
 */
@Component
public class CanonicalRenderer implements FaceRenderer {
  /** The text part id prefix of the seed. */
  public static final String TEXT_PART_PREFIX = "pending-message-";

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  /**
   * The finish reasons the AI SDK's {@code uiMessageChunkSchema} accepts in every version a client
   * may run (5, 6 and 7; 7 adds {@code interrupted}, 5 {@code unknown}): a {@code finish} carrying
   * any other value fails the client's validation ("Type validation failed"), so any other reason
   * (a stopped run's {@code abort}, in the chunk and in runs stopped before this rule) is left out,
   * as the schema allows (docs/faces/canonical.md). A stop is told by the {@code abort} part before
   * it.
   */
  static final Set<String> SDK_FINISH_REASONS =
      Set.of("stop", "length", "content-filter", "tool-calls", "error", "other");

  @Override
  public String face() {
    return CanonicalFace.ID;
  }

  @Override
  public void headers(RunRow run, BiConsumer<String, String> header) {
    header.accept("x-vercel-ai-ui-message-stream", "v1");
  }

  @Override
  public byte[] render(RunChunk chunk) {
    // Text and reasoning deltas are nearly every event of a stream: written directly, with
    // Jackson's own string
    // escaping, instead of through a tree (a fifth of the fan-out's consumer thread went to that,
    // issue #24). The
    // bytes are the same as the tree's (CanonicalRendererTest).
    if (chunk.data() instanceof ChunkData.TextDelta d) {
      return SseFrames.event(
          chunk.seq(), null, delta("text-delta", TEXT_PART_PREFIX + chunk.part(), d.delta()));
    }
    if (chunk.data() instanceof ChunkData.ReasoningDelta d) {
      return SseFrames.event(
          chunk.seq(), null, delta("reasoning-delta", "reasoning-" + chunk.part(), d.delta()));
    }
    ObjectNode part = part(chunk);
    if (part == null) {
      return SseFrames.NONE;
    }
    return SseFrames.event(chunk.seq(), null, EventJson.MAPPER.writeValueAsString(part));
  }

  /**
   * {@code {"type":<type>,"id":<id>,"delta":<delta>}} for ASCII {@code type} and {@code id} without
   * escapes.
   */
  static String delta(String type, String id, String delta) {
    StringBuilder json = new StringBuilder(delta.length() + type.length() + id.length() + 32);
    json.append("{\"type\":\"")
        .append(type)
        .append("\",\"id\":\"")
        .append(id)
        .append("\",\"delta\":\"");
    JsonStringEncoder.getInstance().quoteAsString(delta, json);
    return json.append("\"}").toString();
  }

  @Override
  public byte[] end(RunChunk terminal) {
    return DONE.clone();
  }

  static ObjectNode part(RunChunk chunk) {
    ObjectNode node = EventJson.MAPPER.createObjectNode();
    String textId = TEXT_PART_PREFIX + chunk.part();
    switch (chunk.data()) {
      case ChunkData.RunStarted d ->
          node.put("type", "start").put("messageId", d.messageId().toString());
      case ChunkData.StepStarted d -> node.put("type", "start-step");
      case ChunkData.TextStart d -> node.put("type", "text-start").put("id", textId);
      case ChunkData.TextDelta d ->
          node.put("type", "text-delta").put("id", textId).put("delta", d.delta());
      case ChunkData.TextEnd d -> node.put("type", "text-end").put("id", textId);
      case ChunkData.ReasoningStart d ->
          node.put("type", "reasoning-start").put("id", "reasoning-" + chunk.part());
      case ChunkData.ReasoningDelta d ->
          node.put("type", "reasoning-delta")
              .put("id", "reasoning-" + chunk.part())
              .put("delta", d.delta());
      case ChunkData.ReasoningEnd d ->
          node.put("type", "reasoning-end").put("id", "reasoning-" + chunk.part());
      case ChunkData.ToolInputStart d ->
          node.put("type", "tool-input-start")
              .put("toolCallId", d.toolCallId())
              .put("toolName", d.toolName());
      case ChunkData.ToolCall d -> {
        node.put("type", "tool-input-available")
            .put("toolCallId", d.toolCallId())
            .put("toolName", d.toolName());
        node.set("input", d.input() == null ? EventJson.MAPPER.createObjectNode() : d.input());
      }
      case ChunkData.ToolResult d -> {
        if (d.wasDenied()) {
          // The AI SDK's denial (streamText with needsApproval): the call did not run.
          node.put("type", "tool-output-denied").put("toolCallId", d.toolCallId());
        } else if (d.errorText() != null) {
          node.put("type", "tool-output-error")
              .put("toolCallId", d.toolCallId())
              .put("errorText", d.errorText());
        } else {
          node.put("type", "tool-output-available").put("toolCallId", d.toolCallId());
          node.set("output", d.output() == null ? EventJson.MAPPER.nullNode() : d.output());
        }
      }
      case ChunkData.ToolApprovalRequest d ->
          node.put("type", "tool-approval-request")
              .put("approvalId", d.approvalId())
              .put("toolCallId", d.toolCallId());
      case ChunkData.Stage d -> {
        // A stage is the agent's state now, not part of the answer: transient, so useChat does not
        // keep it in the
        // message's parts (onData still sees it).
        node.put("type", "data-stage").put("transient", true);
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
        ObjectNode data =
            node.putObject("data").put("stage", d.stage()).put("fileName", d.fileName());
        if (d.error() != null) {
          data.put("error", d.error());
        }
      }
      case ChunkData.Image d ->
          node.put("type", "file")
              .put("url", d.url())
              .put("mediaType", d.mediaType() == null ? "image/png" : d.mediaType());
      case ChunkData.StepFinished d -> node.put("type", "finish-step");
      case ChunkData.Error d ->
          node.put("type", "error")
              .put("errorText", d.message().isEmpty() ? d.code() : d.message());
      case ChunkData.RunAborted d ->
          node.put("type", "abort").put("reason", d.reason() == null ? "stopped" : d.reason());
      case ChunkData.RunFinished d -> {
        node.put("type", "finish");
        if (d.finishReason() != null && SDK_FINISH_REASONS.contains(d.finishReason())) {
          node.put("finishReason", d.finishReason());
        }
      }
      case ChunkData.Retrieved d -> {
        node.put("type", "data-retrieved");
        ArrayNode documents = node.putObject("data").putArray("documents");
        for (ChunkData.RetrievedDocument document : d.documents()) {
          ObjectNode item = documents.addObject().put("name", document.name());
          if (document.documentType() != null) {
            item.put("documentType", document.documentType());
          }
        }
      }
      case ChunkData.Unrecognized d -> {
        return null;
      }
    }
    return node;
  }
}
