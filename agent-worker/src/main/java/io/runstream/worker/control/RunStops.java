package io.runstream.worker.control;

import io.runstream.worker.WorkerProperties;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Stop requests of the runs this worker holds, and their deadlines. A request that arrives before
 * its run is registered here (the claim and the control message race) is kept for a while and
 * applied on registration. A run that is still registered {@code runstream.worker.max-run-duration}
 * after its claim is ended the same way, as timed out. Ending a run wakes it wherever it waits (see
 * {@link Stop}).
 */
@Component
public class RunStops implements DisposableBean {
  private static final long EARLY_TTL_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final Map<UUID, Stop> running = new ConcurrentHashMap<>();
  private final Map<UUID, Early> early = new ConcurrentHashMap<>();
  private final Duration maxRunDuration;
  private final ScheduledThreadPoolExecutor deadlines;

  private record Early(String reason, long atNanos) {}

  public RunStops(WorkerProperties properties) {
    this.maxRunDuration = properties.maxRunDuration();
    // One thread for every run's deadline: a deadline only ends its run (which wakes the run's own
    // thread).
    this.deadlines =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().daemon().name("run-deadlines").factory());
    this.deadlines.setRemoveOnCancelPolicy(true);
  }

  /** Why a run ends before its model is done. */
  public enum Kind {
    /** A user (or client) stopped it: it ends {@code cancelled}. */
    STOPPED,
    /**
     * It ran longer than {@code max-run-duration}: it ends {@code failed} ({@code run_timeout}).
     */
    TIMED_OUT,
    /** The worker is shutting down: it ends {@code failed}, retryable ({@code worker_shutdown}). */
    SHUTDOWN
  }

  /**
   * How and why a run ends early.
   *
   * @param kind stopped, timed out or shut down
   * @param reason why, in words (a stop's reason, the limit that was reached)
   */
  public record Ending(Kind kind, String reason) {}

  /**
   * A run's stop state, and the way its thread waits for anything so that ending the run wakes it
   * at once (event driven, no polling):
   *
   * <ul>
   *   <li>{@link #sleep} (a paced model, a retry's back-off) and {@link #await} (a client tool's
   *       result, a server tool's call) park the waiting thread; ending the run unparks it.
   *   <li>{@link #interruptibly} runs a read that blocks on a provider's connection: ending the run
   *       interrupts the thread while (and only while) it is inside, so that a virtual thread's
   *       socket read fails at once; the interrupt never reaches a Kafka send or a JDBC call
   *       outside it, and is cleared when the read returns.
   * </ul>
   *
   * Only the run's own thread waits on its stop, one wait at a time.
   */
  public static final class Stop {
    private final AtomicReference<Ending> ending = new AtomicReference<>();
    private volatile Thread parked;
    private final ReentrantLock interruptLock = new ReentrantLock();

    /** The thread inside {@link #interruptibly}, guarded by {@link #interruptLock}. */
    private Thread reading;

    /** Whether a stop interrupted {@link #reading}, guarded by {@link #interruptLock}. */
    private boolean interrupted;

    private volatile ScheduledFuture<?> deadline;

    /**
     * A stop that nothing has ended yet (the worker registers its runs' stops; tests make their
     * own).
     */
    public Stop() {}

    /** How the run ends early, or null while it should go on. */
    public Ending ending() {
      return ending.get();
    }

    /** Why the run should stop, or null. */
    public String reason() {
      Ending current = ending.get();
      return current == null ? null : current.reason();
    }

    /** True once the run should end (stopped, timed out or shut down). */
    public boolean requested() {
      return ending.get() != null;
    }

    /**
     * Ends the run (the first ending wins) and wakes it wherever it waits; false if it had ended
     * already. Called from the control tail, the lease renewal, the deadline timer or the shutdown:
     * it never blocks.
     */
    public boolean end(Kind kind, String reason) {
      if (!ending.compareAndSet(null, new Ending(kind, reason))) {
        return false;
      }
      ScheduledFuture<?> timer = deadline;
      if (timer != null && kind != Kind.TIMED_OUT) {
        timer.cancel(false);
      }
      interruptLock.lock();
      try {
        if (reading != null && !interrupted) {
          interrupted = true;
          reading.interrupt();
        }
      } finally {
        interruptLock.unlock();
      }
      Thread waiting = parked;
      if (waiting != null) {
        LockSupport.unpark(waiting);
      }
      return true;
    }

    /**
     * Waits {@code nanos} at most; returns early, false, once the run ends.
     *
     * @return true if the whole time passed and the run goes on
     */
    public boolean sleep(long nanos) {
      long until = System.nanoTime() + nanos;
      Thread me = Thread.currentThread();
      // Published before the state is read (both volatile): an ending either sees the thread or is
      // seen here.
      parked = me;
      try {
        long left;
        while (!requested() && (left = until - System.nanoTime()) > 0) {
          LockSupport.parkNanos(this, left);
        }
      } finally {
        parked = null;
      }
      return !requested();
    }

    /** {@link #sleep(long)} for a duration. */
    public boolean sleep(Duration wait) {
      return sleep(wait.toNanos());
    }

    /**
     * Waits until {@code future} completes, the run ends or {@code timeout} (null: none) passes,
     * whichever comes first; the future's completion and the run's end both wake the thread.
     *
     * @return true if the future completed (normally or not)
     */
    public boolean await(CompletableFuture<?> future, Duration timeout) {
      Thread me = Thread.currentThread();
      long until = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
      parked = me;
      future.whenComplete((value, failure) -> LockSupport.unpark(me));
      try {
        while (!future.isDone() && !requested()) {
          if (timeout == null) {
            LockSupport.park(this);
          } else {
            long left = until - System.nanoTime();
            if (left <= 0) {
              break;
            }
            LockSupport.parkNanos(this, left);
          }
        }
      } finally {
        parked = null;
      }
      return future.isDone();
    }

    /**
     * Runs {@code read}, a call that blocks on a remote peer (a provider's response or next event),
     * so that ending the run interrupts it: on a virtual thread a blocked socket read then fails at
     * once (the caller sees the failure, and {@link #requested()} true). The thread is interrupted
     * only while inside; the interrupt is cleared before this returns.
     */
    public <T> T interruptibly(Supplier<T> read) {
      Thread me = Thread.currentThread();
      interruptLock.lock();
      try {
        reading = me;
        interrupted = false;
        if (requested()) {
          interrupted = true;
          me.interrupt();
        }
      } finally {
        interruptLock.unlock();
      }
      try {
        return read.get();
      } finally {
        boolean clear;
        interruptLock.lock();
        try {
          reading = null;
          clear = interrupted;
          interrupted = false;
        } finally {
          interruptLock.unlock();
        }
        if (clear) {
          // Nothing after the read (a chunk's send, a database call, the run's end) sees the stop's
          // interrupt.
          Thread.interrupted();
        }
      }
    }

    private void deadline(ScheduledFuture<?> timer) {
      this.deadline = timer;
    }

    private void forget() {
      ScheduledFuture<?> timer = deadline;
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }

  /** The run-duration limit, in words, as a timed-out run's error names it. */
  public String limitText() {
    return "runstream.worker.max-run-duration (" + words(maxRunDuration) + ")";
  }

  /**
   * Registers a run this worker now holds; {@code reason} is non-null if a stop was recorded before
   * it started.
   */
  public Stop register(UUID runId, String reason) {
    Stop stop = new Stop();
    if (reason != null) {
      stop.end(Kind.STOPPED, reason);
    }
    running.put(runId, stop);
    Early pending = early.remove(runId);
    if (pending != null) {
      stop.end(Kind.STOPPED, pending.reason());
    }
    if (!stop.requested()) {
      stop.deadline(
          deadlines.schedule(
              () -> stop.end(Kind.TIMED_OUT, "The run took longer than " + limitText() + "."),
              maxRunDuration.toNanos(),
              TimeUnit.NANOSECONDS));
    }
    return stop;
  }

  /** Forgets a run that ended. */
  public void unregister(UUID runId) {
    Stop stop = running.remove(runId);
    if (stop != null) {
      stop.forget();
    }
  }

  /** Asks the run to stop, now or as soon as it is registered here. */
  public void request(UUID runId, String reason) {
    String why = reason == null ? "stopped" : reason;
    Stop stop = running.get(runId);
    if (stop != null) {
      stop.end(Kind.STOPPED, why);
      return;
    }
    long now = System.nanoTime();
    early.put(runId, new Early(why, now));
    early.values().removeIf(e -> now - e.atNanos() > EARLY_TTL_NANOS);
    // Registered meanwhile? Apply it now.
    Stop late = running.get(runId);
    if (late != null && early.remove(runId) != null) {
      late.end(Kind.STOPPED, why);
    }
  }

  /**
   * The worker is stopping and its grace is over: every run it still holds ends now, wherever it
   * waits.
   */
  public void shutdown() {
    running.values().forEach(stop -> stop.end(Kind.SHUTDOWN, "The worker stopped during the run."));
  }

  @Override
  public void destroy() {
    deadlines.shutdownNow();
  }

  private static String words(Duration duration) {
    if (duration.toSeconds() % 3600 == 0 && duration.toHours() > 0) {
      return duration.toHours() + " h";
    }
    if (duration.toSeconds() % 60 == 0 && duration.toMinutes() > 0) {
      return duration.toMinutes() + " min";
    }
    if (duration.toMillis() % 1000 == 0) {
      return duration.toSeconds() + " s";
    }
    return duration.toMillis() + " ms";
  }
}
