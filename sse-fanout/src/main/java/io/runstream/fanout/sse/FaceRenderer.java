package io.runstream.fanout.sse;

import io.runstream.core.store.RunRow;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.schemas.RunChunk;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How one face shows a run over SSE: its headers, each chunk as zero or more events (framed with
 * {@link SseFrames}), and the frames that close the stream after the run's terminal chunk. For a
 * stateless face {@link #render} is a pure function of the chunk, so that its bytes are made once
 * per chunk and face and shared by every reader of the face ({@link HotChunk#rendered}, in the slot
 * {@link RendererSlots} assigns the renderer); a stateful face renders per reader ({@link
 * #stateful}). A renderer is a bean of its face's package and names its face ({@link #face()}).
 */
public interface FaceRenderer {

  /** The name of the registered face ({@code core.face.Face#name()}) this renderer shows. */
  String face();

  /**
   * Sets the face's response headers (through {@code header}) besides the SSE ones every face
   * sends.
   */
  void headers(RunRow run, BiConsumer<String, String> header);

  /** The chunk's events, with their {@code id:} lines; empty for a chunk the face does not show. */
  byte[] render(RunChunk chunk);

  /**
   * What closes the stream after the run's terminal chunk (which {@link #render} rendered already).
   */
  byte[] end(RunChunk terminal);

  /**
   * What opens the stream before its first event: by default the comment {@code : ok} and the
   * reconnection delay ({@link SseFrames#opening}); empty for a face whose clients take neither.
   */
  default byte[] opening(long retryMillis) {
    return SseFrames.opening(retryMillis);
  }

  /**
   * What keeps an idle stream alive: by default the comment {@code : ping}; empty for a face whose
   * clients cannot take a block that holds only a comment (the stream then stays silent).
   */
  default byte[] keepAlive() {
    return SseFrames.PING;
  }

  /**
   * True if this face's frames depend on more than their own chunk (a running text, a token index,
   * the time since the run started). Such a face renders through a per-reader {@link Rendering}
   * that sees every chunk of the run from its start, those a resumed reader already had included
   * ({@link Rendering#skip}), so that a reader resumed mid-run gets the same bytes as one that read
   * from the start.
   */
  default boolean stateful() {
    return false;
  }

  /**
   * A new reader's rendering, nothing shared: for a stateless face {@link #render} on every chunk.
   */
  default Rendering rendering() {
    return shared(-1);
  }

  /**
   * A new reader's rendering; for a stateless face the shared {@link #render}, cached on each chunk
   * in {@code slot} (none when negative).
   */
  default Rendering rendering(int slot) {
    return stateful() ? rendering() : shared(slot);
  }

  private Rendering shared(int slot) {
    Function<RunChunk, byte[]> render = this::render;
    return new Rendering() {
      @Override
      public void skip(RunChunk chunk) {}

      @Override
      public byte[] render(HotChunk chunk) {
        return chunk.rendered(slot, render);
      }

      @Override
      public byte[] end(RunChunk terminal) {
        return FaceRenderer.this.end(terminal);
      }
    };
  }

  /** One reader's rendering of a run, in seq order. */
  interface Rendering {
    /**
     * A chunk the reader already had (it resumed after it): its state is kept, nothing is written.
     */
    void skip(RunChunk chunk);

    /** The chunk's frames for this reader. */
    byte[] render(HotChunk chunk);

    /** What closes the stream after the run's terminal chunk. */
    byte[] end(RunChunk terminal);

    /**
     * True once the face's stream is over before the run's end (a face whose answer ends while its
     * run waits, e.g. for a client tool's result): the stream is flushed and closed after the chunk
     * that ended it.
     */
    default boolean ended() {
      return false;
    }
  }
}
