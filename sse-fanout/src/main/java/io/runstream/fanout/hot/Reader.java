package io.runstream.fanout.hot;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One SSE connection's view of a run: a bounded queue the consumer thread offers to without blocking. Overflow
 * marks the reader as too slow; it is then disconnected and resumes by Last-Event-ID.
 */
public final class Reader {
  private final BlockingQueue<HotChunk> queue;
  private volatile boolean overflowed;
  private volatile boolean closed;

  Reader(int capacity) {
    // Linked, not an array: an idle reader holds no slots (an array of 10,000 would cost 40 KiB per connection).
    this.queue = new LinkedBlockingQueue<>(capacity);
  }

  /** Called by the consumer thread; never blocks. */
  void offer(HotChunk chunk) {
    if (closed || overflowed) {
      return;
    }
    if (!queue.offer(chunk)) {
      overflowed = true;
      queue.clear();
    }
  }

  /** Waits up to {@code timeoutNanos} for the next chunk and takes it with any others queued behind it. */
  public boolean next(List<HotChunk> into, long timeoutNanos) throws InterruptedException {
    HotChunk first = queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    if (first == null) {
      return false;
    }
    into.add(first);
    queue.drainTo(into);
    return true;
  }

  /** True once the reader fell too far behind. */
  public boolean overflowed() {
    return overflowed;
  }

  void close() {
    closed = true;
    queue.clear();
  }
}
