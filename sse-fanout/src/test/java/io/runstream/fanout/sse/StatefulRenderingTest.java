package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.store.RunRow;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The shape a stateful face (a token index, the running text) renders through: its per-reader
 * rendering is fed the chunks a resumed reader skipped, so a resumed reader's bytes are the tail of
 * an uninterrupted read.
 */
class StatefulRenderingTest {

  /**
   * Numbers text deltas from 0 and ends with the whole text: the legacy project-chat stream's kind
   * of state.
   */
  static final class IndexingRenderer implements FaceRenderer {
    @Override
    public String face() {
      return "indexing";
    }

    @Override
    public void headers(RunRow run, BiConsumer<String, String> header) {}

    @Override
    public byte[] render(RunChunk chunk) {
      throw new UnsupportedOperationException("stateful: rendered per reader");
    }

    @Override
    public byte[] end(RunChunk terminal) {
      throw new UnsupportedOperationException("stateful: rendered per reader");
    }

    @Override
    public boolean stateful() {
      return true;
    }

    @Override
    public Rendering rendering() {
      return new Rendering() {
        private int index;
        private final StringBuilder text = new StringBuilder();

        @Override
        public void skip(RunChunk chunk) {
          render(HotChunk.of(chunk));
        }

        @Override
        public byte[] render(HotChunk chunk) {
          if (chunk.chunk().data() instanceof ChunkData.TextDelta delta) {
            text.append(delta.delta());
            return SseFrames.event(chunk.seq(), "token", "{\"index\":" + index++ + "}");
          }
          return SseFrames.NONE;
        }

        @Override
        public byte[] end(RunChunk terminal) {
          return SseFrames.event(
              null, "done", "{\"tokens\":" + index + ",\"text\":\"" + text + "\"}");
        }
      };
    }
  }

  @Test
  void shouldGiveAResumedReaderTheBytesOfAnUninterruptedRead() {
    RendererResume.assertResumedEqualsTail(new IndexingRenderer());
  }

  @Test
  void shouldCountTheSkippedChunksInTheResumedReadersState() {
    FaceRenderer.Rendering rendering = new IndexingRenderer().rendering();
    UUID run = UUID.randomUUID();
    rendering.skip(RunChunk.of(run, run, 1, Instant.now(), "p", new ChunkData.TextDelta("a")));
    byte[] next =
        rendering.render(
            HotChunk.of(
                RunChunk.of(run, run, 2, Instant.now(), "p", new ChunkData.TextDelta("b"))));
    assertThat(new String(next, StandardCharsets.UTF_8))
        .isEqualTo("id: 2\nevent: token\ndata: {\"index\":1}\n\n");
  }
}
