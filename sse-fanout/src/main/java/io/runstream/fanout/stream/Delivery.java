package io.runstream.fanout.stream;

import io.runstream.fanout.hot.HotChunk;
import java.io.IOException;

/**
 * Where a {@link RunReader} delivers one reader's chunks: in seq order, each once, the run's terminal chunk last.
 * An {@link IOException} means the client went away.
 */
public interface Delivery {

  /** The next chunk of the run. */
  void chunk(HotChunk chunk) throws IOException;

  /** The end of a batch: push what was delivered to the client. */
  void flush() throws IOException;

  /** Nothing new for a heartbeat: keep the connection alive. */
  void idle() throws IOException;
}
