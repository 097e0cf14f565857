package io.runstream.fanout.hot;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One SSE connection's view of a run: a bounded queue the consumer thread offers to without
 * blocking. Overflow marks the reader as too slow; it is then disconnected and resumes by
 * Last-Event-ID.
 *
 * <p>A waiting reader parks without a timeout and is woken by the next chunk, or by {@link
 * HotRuns}' heartbeat tick once its wait is over: a timed park of a virtual thread costs a timer
 * per wait, paid on every event of every stream (measured in the reconnect storm, issue #15), where
 * one unpark is enough.
 *
 * <p>A reader can also be {@link #listen listened to} instead of waited on (issue #12: an idle
 * stream holds no thread): every chunk, the end of its wait, overflow and {@link #kick} then call a
 * wake-up action, at most once until the woken side {@link #settle settles}, so one drain at a time
 * runs for the reader.
 */
public final class Reader {
  private final ConcurrentLinkedQueue<HotChunk> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int capacity;
  private volatile boolean overflowed;
  private volatile boolean closed;
  private volatile Thread waiter;
  private volatile long wakeAtNanos;
  private volatile Runnable wake;
  private final AtomicBoolean scheduled = new AtomicBoolean();

  Reader(int capacity) {
    // Linked, not an array: an idle reader holds no slots (an array of 10,000 would cost 40 KiB per
    // connection).
    this.capacity = capacity;
  }

  /** Called by the consumer thread; never blocks. */
  void offer(HotChunk chunk) {
    if (closed || overflowed) {
      return;
    }
    if (size.incrementAndGet() > capacity) {
      overflowed = true;
      queue.clear();
    } else {
      queue.offer(chunk);
    }
    signal();
  }

  private void signal() {
    Thread thread = waiter;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
    kick();
  }

  /**
   * Calls {@code action} (which must not block: it hands the work to another thread) whenever there
   * is something for the reader: a chunk, overflow, {@link #kick}, or its wait ending at {@code
   * dueNanos} (then every {@link #due} set after). Not called again until the woken side {@link
   * #settle}s.
   */
  public void listen(Runnable action, long dueNanos) {
    wakeAtNanos = dueNanos;
    wake = action;
    if (!queue.isEmpty() || overflowed || closed) {
      signal();
    }
  }

  /** Takes whatever is queued without waiting; false if nothing was. */
  public boolean poll(List<HotChunk> into) {
    return drain(into);
  }

  /** Sets when the listened-to reader's wait ends next (its heartbeat). */
  public void due(long dueNanos) {
    wakeAtNanos = dueNanos;
  }

  /** Whether the reader's wait is over at {@code now}. */
  public boolean isDue(long now) {
    return now - wakeAtNanos >= 0;
  }

  /** Wakes a listened-to reader for a reason of its owner's (its client went away). */
  public void kick() {
    Runnable action = wake;
    if (action != null && scheduled.compareAndSet(false, true)) {
      action.run();
    }
  }

  /**
   * Ends a wake-up's work: true when more came meanwhile (the caller goes on, still the only one),
   * false when the reader is quiet (the next chunk or deadline wakes it again).
   */
  public boolean settle() {
    scheduled.set(false);
    if (queue.isEmpty() && !overflowed && !closed && !isDue(System.nanoTime())) {
      return false;
    }
    return scheduled.compareAndSet(false, true);
  }

  /**
   * Waits up to {@code timeoutNanos} for the next chunk and takes it with any others queued behind
   * it.
   */
  public boolean next(List<HotChunk> into, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      if (drain(into)) {
        return true;
      }
      if (overflowed || closed || deadline - System.nanoTime() <= 0) {
        return false;
      }
      wakeAtNanos = deadline;
      waiter = Thread.currentThread();
      try {
        // Checked again with the waiter published: a chunk offered before this point is seen here,
        // one offered
        // after it unparks us.
        if (queue.isEmpty() && !overflowed && !closed) {
          LockSupport.park(this);
        }
      } finally {
        waiter = null;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private boolean drain(List<HotChunk> into) {
    int taken = 0;
    for (HotChunk chunk = queue.poll(); chunk != null; chunk = queue.poll()) {
      into.add(chunk);
      taken++;
    }
    if (taken == 0) {
      return false;
    }
    size.addAndGet(-taken);
    return true;
  }

  /** Wakes the reader if it waits past its deadline (the heartbeat tick). */
  void wakeIfDue(long now) {
    if (now - wakeAtNanos >= 0) {
      signal();
    }
  }

  /** True once the reader fell too far behind. */
  public boolean overflowed() {
    return overflowed;
  }

  void close() {
    closed = true;
    queue.clear();
    signal();
  }
}
