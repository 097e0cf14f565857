package io.runstream.fanout.sse;

import io.runstream.fanout.hot.HotChunk;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.util.Objects;

/**
 * A compact catch-up (docs/faces/canonical.md, issue #27): the chunks a reader is behind by, with
 * each run of consecutive text deltas, or reasoning deltas, of one part of one run merged into one
 * delta that carries the concatenated text and the seq (the SSE id) of the last delta it covers. A
 * merge never crosses another chunk (a part's start or end, a tool call, a step) nor a part
 * boundary, so every face renders the merged chunk as it renders any delta, and every id a reader
 * sees is still a resume point: resuming after a merged event is resuming after its last delta. A
 * merge is made for one reader and never enters a chunk's shared rendering cache ({@link
 * HotChunk#merged}); a delta that stays alone is written as the chunk it is, cached rendering
 * included. One reader's, not thread-safe.
 */
final class CatchUp {
  /** The most text one merged event carries; a longer run of deltas goes on in the next one. */
  static final int MAX_CHARS = 64 * 1024;

  private HotChunk first;
  private RunChunk last;
  private final StringBuilder text = new StringBuilder();
  private int merged;

  /**
   * The pending merge, complete because {@code next} does not continue it (null when there is none
   * or it goes on): to be written before {@code next}.
   */
  HotChunk completedBy(HotChunk next) {
    if (merged == 0 || continues(next.chunk())) {
      return null;
    }
    return drain();
  }

  /**
   * Takes a delta into the pending merge (after {@link #completedBy}); false for any other chunk.
   */
  boolean take(HotChunk chunk) {
    String delta = delta(chunk.chunk());
    if (delta == null) {
      return false;
    }
    if (merged == 0) {
      first = chunk;
    }
    text.append(delta);
    last = chunk.chunk();
    merged++;
    return true;
  }

  /**
   * The pending merge, now (null when there is none): the reader caught up, or its catch-up ended.
   */
  HotChunk drain() {
    if (merged == 0) {
      return null;
    }
    HotChunk out;
    if (merged == 1) {
      out = first;
    } else {
      ChunkData data =
          last.data() instanceof ChunkData.TextDelta
              ? new ChunkData.TextDelta(text.toString())
              : new ChunkData.ReasoningDelta(text.toString());
      out =
          HotChunk.merged(
              new RunChunk(
                  last.v(),
                  last.runId(),
                  last.sessionId(),
                  last.seq(),
                  last.ts(),
                  last.part(),
                  data));
    }
    first = null;
    last = null;
    text.setLength(0);
    merged = 0;
    return out;
  }

  private boolean continues(RunChunk chunk) {
    return delta(chunk) != null
        && chunk.data().getClass() == last.data().getClass()
        && Objects.equals(chunk.part(), last.part())
        && chunk.runId().equals(last.runId())
        && text.length() + delta(chunk).length() <= MAX_CHARS;
  }

  private static String delta(RunChunk chunk) {
    return switch (chunk.data()) {
      case ChunkData.TextDelta d -> d.delta();
      case ChunkData.ReasoningDelta d -> d.delta();
      default -> null;
    };
  }
}
