package io.runstream.fanout.projectchat;

import io.runstream.core.face.ProjectChatFace;
import io.runstream.fanout.sse.SseFrames;
import io.runstream.fanout.sse.StatefulRenderer;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Project chat's stream (seed 002, {@code POST /api/v1/chat/stream}): {@code event: message} {@code
 * {"token", "done": false}} per token; {@code event: done} {@code {"token": "", "done": true,
 * "full_response", "document_types", "metadata"}} at the end, with the whole text (the seed's
 * "currently empty" filled in), the types of the documents the answer had as context (its {@code
 * existing_documents} and the knowledge store's hits), and the generation's facts (model, tokens,
 * duration, run id); {@code event: error} {@code {"message", "code", "retryable"}}. Every frame has
 * its {@code id:}. Stateful: a resumed reader's {@code done} still has the whole text.
 */
@Component
public class ProjectChatRenderer extends StatefulRenderer {
  /**
   * The document types documents are recognised by, from their names ({@code
   * ARCHITECTURE_SPEC.md}).
   */
  static final Set<String> DOCUMENT_TYPES =
      Set.of("PROJECT_MANIFESTO", "ARCHITECTURE_SPEC", "DOMAIN_LANGUAGE", "TECH_STACK");

  @Override
  public String face() {
    return ProjectChatFace.ID;
  }

  @Override
  protected State state() {
    return new State() {
      private final StringBuilder text = new StringBuilder();
      private final Set<String> types = new LinkedHashSet<>();
      private String model;
      private Instant started;
      private ChunkData.Usage usage;

      @Override
      public byte[] frames(RunChunk chunk) {
        switch (chunk.data()) {
          case ChunkData.RunStarted d -> {
            started = chunk.ts();
            model = d.model() == null ? null : d.model().modelId();
          }
          case ChunkData.TextDelta d -> {
            text.append(d.delta());
            ObjectNode data =
                EventJson.MAPPER.createObjectNode().put("token", d.delta()).put("done", false);
            return SseFrames.event(
                chunk.seq(), "message", EventJson.MAPPER.writeValueAsString(data));
          }
          case ChunkData.Doc d -> {
            if ("extract_completed".equals(d.stage())) {
              String type = typeOf(d.fileName());
              if (type != null) {
                types.add(type);
              }
            }
          }
          case ChunkData.Retrieved d ->
              d.documents()
                  .forEach(
                      document -> {
                        String type =
                            document.documentType() != null
                                ? document.documentType()
                                : typeOf(document.name());
                        if (type != null) {
                          types.add(type);
                        }
                      });
          case ChunkData.Usage d -> usage = d;
          case ChunkData.Error d -> {
            ObjectNode data =
                EventJson.MAPPER
                    .createObjectNode()
                    .put("message", d.message())
                    .put("code", ProjectChatErrors.streamCode(d))
                    .put("retryable", d.retryable());
            return SseFrames.event(chunk.seq(), "error", EventJson.MAPPER.writeValueAsString(data));
          }
          case ChunkData.RunFinished d -> {
            if ("failed".equals(d.status())) {
              return SseFrames.NONE;
            }
            ObjectNode data =
                EventJson.MAPPER
                    .createObjectNode()
                    .put("token", "")
                    .put("done", true)
                    .put("full_response", text.toString());
            ArrayNode documentTypes = data.putArray("document_types");
            types.forEach(documentTypes::add);
            ObjectNode metadata = data.putObject("metadata");
            metadata.put("run_id", chunk.runId().toString());
            if (model != null) {
              metadata.put("model", model);
            }
            metadata.put("input_tokens", usage == null ? 0 : usage.inputTokens());
            metadata.put("output_tokens", usage == null ? 0 : usage.outputTokens());
            metadata.put(
                "duration_ms",
                started == null ? 0 : Duration.between(started, chunk.ts()).toMillis());
            metadata.put(
                "finish_reason", "cancelled".equals(d.status()) ? "cancelled" : d.finishReason());
            return SseFrames.event(chunk.seq(), "done", EventJson.MAPPER.writeValueAsString(data));
          }
          default -> {}
        }
        return SseFrames.NONE;
      }
    };
  }

  /**
   * The document type a document's name says ({@code docs/ARCHITECTURE_SPEC.md} → {@code
   * ARCHITECTURE_SPEC}).
   */
  static String typeOf(String name) {
    if (name == null) {
      return null;
    }
    String base = name.substring(name.lastIndexOf('/') + 1);
    int dot = base.indexOf('.');
    String stem =
        (dot > 0 ? base.substring(0, dot) : base).toUpperCase(Locale.ROOT).replace('-', '_');
    return DOCUMENT_TYPES.contains(stem) ? stem : null;
  }
}
