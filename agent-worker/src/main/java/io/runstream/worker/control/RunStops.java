package io.runstream.worker.control;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/**
 * Stop requests of the runs this worker holds. A request that arrives before its run is registered here (the
 * claim and the control message race) is kept for a while and applied on registration.
 */
@Component
public class RunStops {
  private static final long EARLY_TTL_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final Map<UUID, AtomicReference<String>> running = new ConcurrentHashMap<>();
  private final Map<UUID, Early> early = new ConcurrentHashMap<>();

  private record Early(String reason, long atNanos) {}

  /** A run's stop state: null while it should go on, else why it should stop. */
  public interface Stop {
    /** Why the run should stop, or null. */
    String reason();

    /** True once the run should stop. */
    default boolean requested() {
      return reason() != null;
    }
  }

  /** Registers a run this worker now holds; {@code reason} is non-null if a stop was recorded before it started. */
  public Stop register(UUID runId, String reason) {
    AtomicReference<String> state = new AtomicReference<>(reason);
    running.put(runId, state);
    Early pending = early.remove(runId);
    if (pending != null) {
      state.compareAndSet(null, pending.reason());
    }
    return state::get;
  }

  /** Forgets a run that ended. */
  public void unregister(UUID runId) {
    running.remove(runId);
  }

  /** Asks the run to stop, now or as soon as it is registered here. */
  public void request(UUID runId, String reason) {
    String why = reason == null ? "stopped" : reason;
    AtomicReference<String> state = running.get(runId);
    if (state != null) {
      state.compareAndSet(null, why);
      return;
    }
    long now = System.nanoTime();
    early.put(runId, new Early(why, now));
    early.values().removeIf(e -> now - e.atNanos() > EARLY_TTL_NANOS);
    // Registered meanwhile? Apply it now.
    AtomicReference<String> late = running.get(runId);
    if (late != null && early.remove(runId) != null) {
      late.compareAndSet(null, why);
    }
  }
}
