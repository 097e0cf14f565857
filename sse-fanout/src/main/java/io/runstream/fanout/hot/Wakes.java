package io.runstream.fanout.hot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The wake-ups of suspended readers that the chunk tail's thread causes while it buffers one poll's
 * records, run once the poll is buffered instead of each on a thread of its own (ADR 0022): a
 * reader woken by several chunks of the poll is written once, and no wake-up waits for a thread to
 * be scheduled (behind a storm of opening requests, for one). The first {@link #INLINE} run on the
 * tail's thread; the rest are split into slices of as many, each run by one of a few platform
 * threads, so that a run with a thousand readers is written by every core. What is deferred must
 * not block: it writes without waiting and hands anything that waits (the database, a slow client)
 * to a thread of its own.
 */
public final class Wakes {
  /** Wake-ups run on the collecting thread, and per writer thread for the rest. */
  static final int INLINE = 32;

  private static final ThreadLocal<List<Runnable>> DEFERRED = new ThreadLocal<>();

  /**
   * Where the slices beyond the first run: platform threads, one per core, so that live chunks are
   * not queued behind the virtual threads of a storm of opening requests (measured: a slice on a
   * virtual thread waited behind up to 256 opening streams, issue #25). What they run never blocks,
   * so a thread per core is enough.
   */
  private static final ExecutorService WRITERS =
      Executors.newFixedThreadPool(
          Runtime.getRuntime().availableProcessors(),
          Thread.ofPlatform().name("sse-writer-", 1).daemon(true).factory());

  private Wakes() {}

  /** From here until {@link #end}, this thread's wake-ups are {@link #defer deferred}. */
  public static void begin() {
    DEFERRED.set(new ArrayList<>());
  }

  /**
   * Defers {@code wake} to this thread's {@link #end}; false (nothing deferred) outside a {@link
   * #begin}.
   */
  public static boolean defer(Runnable wake) {
    List<Runnable> deferred = DEFERRED.get();
    if (deferred == null) {
      return false;
    }
    deferred.add(wake);
    return true;
  }

  /** Runs what was deferred since {@link #begin}; wake-ups caused meanwhile are not deferred. */
  public static void end() {
    List<Runnable> deferred = DEFERRED.get();
    DEFERRED.remove();
    if (deferred == null || deferred.isEmpty()) {
      return;
    }
    for (int from = INLINE; from < deferred.size(); from += INLINE) {
      List<Runnable> slice = deferred.subList(from, Math.min(deferred.size(), from + INLINE));
      WRITERS.execute(() -> slice.forEach(Runnable::run));
    }
    deferred.subList(0, Math.min(INLINE, deferred.size())).forEach(Runnable::run);
  }
}
