package io.runstream.fanout.stream;

import io.runstream.fanout.hot.HotChunk;
import java.io.IOException;

/**
 * Where a {@link RunReader} delivers one reader's chunks: in seq order, each once, the run's
 * terminal chunk last. An {@link IOException} means the client went away.
 */
public interface Delivery {

  /** The next chunk of the run. */
  void chunk(HotChunk chunk) throws IOException;

  /** The end of a batch: push what was delivered to the client. */
  void flush() throws IOException;

  /** Nothing new for a heartbeat: keep the connection alive. */
  void idle() throws IOException;

  /**
   * The reader has caught up: every chunk delivered so far was what it was behind by when it
   * attached (from memory, Kafka or the log), and every later one comes live. Called at most once
   * per read, before the first live chunk, or when the stream ends before going live; a delivery
   * that holds back part of its catch-up writes it now.
   */
  default void caughtUp() throws IOException {}
}
