package io.runstream.fanout.sse;

import io.runstream.core.store.RunRow;
import io.runstream.schemas.RunChunk;
import jakarta.servlet.http.HttpServletResponse;

/**
 * How one face shows a run over SSE: its headers, each chunk as zero or more events (framed with
 * {@link SseFrames}), and the frames that close the stream after the run's terminal chunk. {@link #render} is a pure
 * function of the chunk, so that its bytes are made once per chunk and face and shared by every reader of the face
 * ({@link io.runstream.fanout.hot.HotChunk#rendered}).
 */
public interface FaceRenderer {

  /**
   * The slot this face caches its renderings in, unique among the faces of the node (below
   * {@link io.runstream.fanout.hot.HotChunk#SLOTS}).
   */
  int slot();

  /** Sets the face's response headers besides the SSE ones every face sends. */
  void headers(RunRow run, HttpServletResponse response);

  /** The chunk's events, with their {@code id:} lines; empty for a chunk the face does not show. */
  byte[] render(RunChunk chunk);

  /** What closes the stream after the run's terminal chunk (which {@link #render} rendered already). */
  byte[] end(RunChunk terminal);
}
