package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.fanout.hot.HotChunk;
import io.runstream.schemas.GoldenEvents;
import io.runstream.schemas.RunChunk;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The renderer property every face shares: a reader resumed after any id gets exactly the rest of
 * the bytes.
 */
public final class RendererResume {
  private RendererResume() {}

  /**
   * The golden run rendered whole, then resumed after each of its ids: each resumed read is the
   * whole's tail.
   */
  public static void assertResumedEqualsTail(FaceRenderer renderer) {
    List<RunChunk> run = GoldenEvents.chunks();
    String whole = read(renderer, run, 0);
    for (RunChunk resumeAfter : run) {
      String resumed = read(renderer, run, resumeAfter.seq());
      assertThat(whole).as("resumed after %d", resumeAfter.seq()).endsWith(resumed);
      if (resumeAfter.seq() < run.getLast().seq()) {
        assertThat(resumed).as("resumed after %d", resumeAfter.seq()).isNotEmpty();
      }
    }
  }

  /**
   * As {@link SseStream} reads: a stateful face's rendering sees the skipped chunks, a stateless
   * one does not.
   */
  private static String read(FaceRenderer renderer, List<RunChunk> chunks, long after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FaceRenderer.Rendering rendering = renderer.rendering();
    for (RunChunk chunk : chunks) {
      if (chunk.seq() <= after) {
        if (renderer.stateful()) {
          rendering.skip(chunk);
        }
        continue;
      }
      out.writeBytes(rendering.render(HotChunk.of(chunk)));
      if (chunk.terminal()) {
        out.writeBytes(rendering.end(chunk));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
