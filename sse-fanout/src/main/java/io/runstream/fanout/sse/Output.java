package io.runstream.fanout.sse;

import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A stream's output, shut for good once its request has completed: a suspended stream is written
 * from other threads than the container's, and a write that came after the container completed the
 * request (the client went away) would land in the recycled response of another request on the same
 * processor (seen as another stream ending right after its opening). Writes and shutting take one
 * lock, so neither overlaps the other.
 *
 * <p>Once its stream is suspended the output is {@link #nonBlocking non-blocking} (ADR 0022): a
 * write never waits for the client. Frames go to the connection while it takes them; what it does
 * not take yet waits here, in order, and goes on when the container says the connection can take
 * more ({@link #onWritePossible}). So a live chunk can be written by the thread that buffered it,
 * however slow the client; the reader's bounded queue stays the limit of how far behind a client
 * may fall, since a reader takes no more chunks while its output holds any ({@link #writable}).
 */
final class Output implements WriteListener {
  private final SseExchange.Wire out;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition drained = lock.newCondition();
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
  private boolean open = true;
  private boolean nonBlocking;
  private boolean flushWanted;
  private Runnable whenWritable;
  private Runnable completion;
  private Runnable failed = () -> {};

  Output(SseExchange.Wire out) {
    this.out = out;
  }

  /**
   * From now on writes do not wait ({@code failed} is told when the connection fails); for a
   * request that has started asynchronous processing.
   */
  void nonBlocking(Runnable failed) {
    lock.lock();
    try {
      this.failed = failed;
      nonBlocking = true;
      out.setWriteListener(this);
    } finally {
      lock.unlock();
    }
  }

  void write(byte[] bytes) throws IOException {
    lock.lock();
    try {
      ensureOpen();
      if (nonBlocking) {
        pending.add(bytes);
        pump();
      } else {
        out.write(bytes);
      }
    } finally {
      lock.unlock();
    }
  }

  void flush() throws IOException {
    lock.lock();
    try {
      ensureOpen();
      if (nonBlocking) {
        flushWanted = true;
        pump();
      } else {
        out.flush();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether nothing written waits here for the connection. */
  boolean writable() {
    lock.lock();
    try {
      return !open || pending.isEmpty() && !flushWanted;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs {@code action} once nothing written waits here (at once if nothing does), on the calling
   * thread or the container's; not at all once the output is shut.
   */
  void whenWritable(Runnable action) {
    lock.lock();
    try {
      if (open && (!pending.isEmpty() || flushWanted)) {
        whenWritable = action;
        return;
      }
    } finally {
      lock.unlock();
    }
    action.run();
  }

  /**
   * Waits (a virtual thread's wait) until nothing written waits here, or the output is shut. For
   * the writers that may wait: a reader filling a gap from the log.
   */
  void awaitWritable() throws IOException {
    lock.lock();
    try {
      while (open && (!pending.isEmpty() || flushWanted)) {
        drained.await();
      }
      ensureOpen();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while the client took its frames", e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Hands what waits to the connection while it takes it; false when the connection still has to
   * take some (the container then calls {@link #onWritePossible}). Under the lock.
   */
  private boolean pump() throws IOException {
    try {
      while (out.isReady()) {
        byte[] next = pending.poll();
        if (next != null) {
          out.write(next);
        } else if (flushWanted) {
          flushWanted = false;
          out.flush();
        } else {
          drained.signalAll();
          return true;
        }
      }
      return false;
    } catch (IOException | IllegalStateException e) {
      open = false;
      pending.clear();
      drained.signalAll();
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  @Override
  public void onWritePossible() {
    Runnable next = null;
    boolean failure = false;
    lock.lock();
    try {
      if (open && pump()) {
        if (completion != null) {
          open = false;
          next = completion;
        } else {
          next = whenWritable;
          whenWritable = null;
        }
      }
    } catch (IOException e) {
      failure = true;
    } finally {
      lock.unlock();
    }
    if (failure) {
      shut();
      failed.run();
    } else if (next != null) {
      next.run();
    }
  }

  @Override
  public void onError(Throwable t) {
    shut();
    failed.run();
  }

  private void ensureOpen() throws IOException {
    if (!open) {
      throw new IOException("The stream's request has completed");
    }
  }

  /**
   * Shuts the output once any write in progress is over; true for the call that shut it. A reader
   * waiting for the output to take its frames ({@link #whenWritable}) goes on, and finds it shut.
   */
  boolean shut() {
    boolean was;
    Runnable waiting;
    lock.lock();
    try {
      was = open;
      open = false;
      pending.clear();
      waiting = whenWritable;
      whenWritable = null;
      drained.signalAll();
    } finally {
      lock.unlock();
    }
    if (waiting != null) {
      waiting.run();
    }
    return was;
  }

  /**
   * Shuts the output once what waits here has reached the connection, then runs {@code complete}
   * (on the calling thread or the container's); not at all if the output was shut.
   */
  void finish(Runnable complete) {
    boolean now = false;
    lock.lock();
    try {
      whenWritable = null;
      if (!open || !nonBlocking || pump()) {
        open = false;
        now = true;
      } else {
        completion = complete;
      }
    } catch (IOException e) {
      open = false;
      now = true;
    } finally {
      lock.unlock();
    }
    if (now) {
      complete.run();
    }
  }
}
