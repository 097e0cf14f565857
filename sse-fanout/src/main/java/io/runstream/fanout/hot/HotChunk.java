package io.runstream.fanout.hot;

import io.runstream.fanout.sse.CanonicalRenderer;
import io.runstream.schemas.RunChunk;

/**
 * A chunk in memory with its canonical rendering, made once and shared by every reader.
 *
 * @param chunk the chunk
 * @param canonical its canonical SSE event bytes (empty if the face does not show it)
 */
public record HotChunk(RunChunk chunk, byte[] canonical) {

  /** Renders the chunk once. */
  public static HotChunk of(RunChunk chunk) {
    return new HotChunk(chunk, CanonicalRenderer.render(chunk));
  }

  /** Its sequence number (the SSE id). */
  public long seq() {
    return chunk.seq();
  }

  /** Approximate heap bytes it holds. */
  long bytes() {
    return 160L + canonical.length * 2L;
  }
}
