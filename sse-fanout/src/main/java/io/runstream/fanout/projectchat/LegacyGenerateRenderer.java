package io.runstream.fanout.projectchat;

import io.runstream.core.face.ProjectChatFace;
import io.runstream.fanout.sse.SseFrames;
import io.runstream.fanout.sse.StatefulRenderer;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * Project chat's legacy stream (seed 002, {@code POST /api/v1/chat/generate}): {@code event: token}
 * {@code {"token", "index"}} (0, 1, 2, ...), {@code event: done} {@code {"total_tokens",
 * "duration_ms"}} with the real values (the seed's "currently always 0" filled in: the model's
 * output tokens, and the time from the run's start to its end), {@code event: error} {@code
 * {"code": "RAG_001" | "LLM_001" | "ERR", "message"}}. Every frame has its {@code id:}. Stateful: a
 * resumed reader's indexes go on where it left.
 */
@Component
public class LegacyGenerateRenderer extends StatefulRenderer {
  @Override
  public String face() {
    return ProjectChatFace.ID;
  }

  @Override
  protected State state() {
    return new State() {
      private long index;
      private Instant started;
      private long outputTokens;

      @Override
      public byte[] frames(RunChunk chunk) {
        switch (chunk.data()) {
          case ChunkData.RunStarted d -> started = chunk.ts();
          case ChunkData.TextDelta d -> {
            ObjectNode data =
                EventJson.MAPPER.createObjectNode().put("token", d.delta()).put("index", index++);
            return SseFrames.event(chunk.seq(), "token", EventJson.MAPPER.writeValueAsString(data));
          }
          case ChunkData.Usage d -> outputTokens = d.outputTokens();
          case ChunkData.Error d -> {
            ObjectNode data =
                EventJson.MAPPER
                    .createObjectNode()
                    .put("code", ProjectChatErrors.legacyCode(d))
                    .put("message", d.message());
            return SseFrames.event(chunk.seq(), "error", EventJson.MAPPER.writeValueAsString(data));
          }
          case ChunkData.RunFinished d -> {
            if ("failed".equals(d.status())) {
              return SseFrames.NONE;
            }
            ObjectNode data =
                EventJson.MAPPER
                    .createObjectNode()
                    .put("total_tokens", outputTokens)
                    .put(
                        "duration_ms",
                        started == null ? 0 : Duration.between(started, chunk.ts()).toMillis());
            return SseFrames.event(chunk.seq(), "done", EventJson.MAPPER.writeValueAsString(data));
          }
          default -> {}
        }
        return SseFrames.NONE;
      }
    };
  }
}
