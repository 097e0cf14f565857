package io.runstream.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.kafka.RunTopics;
import io.runstream.core.store.RunStore;
import io.runstream.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The per-run-topic layout's clean-up: deletes, in batches, the topics of runs that ended more than
 * {@code runstream.chunks.retention} ago and whose whole output is in the chunk log (from then on
 * they replay from PostgreSQL). A run whose log never got its end (chunks the broker lost) goes
 * after twice the retention. Topics with no run row are left alone. Runs in the sink, which knows
 * what the log holds; several sinks sweeping at once only delete the same topics twice.
 */
@Component
public class RunTopicJanitor implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(RunTopicJanitor.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final int QUERY_BATCH = 1000;

  private final RunTopics topics;
  private final RunStore runs;
  private final ChunkLayout layout;
  private final SinkProperties sink;
  private final Counter deleted;
  private ScheduledExecutorService timer;

  public RunTopicJanitor(
      RunTopics topics,
      RunStore runs,
      ChunkLayout layout,
      SinkProperties sink,
      MeterRegistry meters) {
    this.topics = topics;
    this.runs = runs;
    this.layout = layout;
    this.sink = sink;
    this.deleted = meters.counter("runstream.sink.run-topics.deleted");
  }

  /** Deletes the topics past retention as of {@code now}; returns how many were deleted. */
  public int sweep(Instant now) throws Exception {
    Map<UUID, String> byRun = new HashMap<>();
    for (String topic : topics.list(ADMIN_TIMEOUT)) {
      Topics.runOfTopic(topic).ifPresent(run -> byRun.put(run, topic));
    }
    List<UUID> ids = new ArrayList<>(byRun.keySet());
    List<String> expired = new ArrayList<>();
    Instant cutoff = now.minus(layout.retention());
    Instant hard = now.minus(layout.retention().multipliedBy(2));
    for (int from = 0; from < ids.size(); from += QUERY_BATCH) {
      Set<UUID> ended =
          runs.endedAndLogged(
              ids.subList(from, Math.min(ids.size(), from + QUERY_BATCH)), cutoff, hard);
      ended.forEach(run -> expired.add(byRun.get(run)));
    }
    if (expired.isEmpty()) {
      return 0;
    }
    List<String> failed = topics.delete(expired, ADMIN_TIMEOUT);
    int count = expired.size() - failed.size();
    deleted.increment(count);
    LOG.info(
        "Deleted {} run topics past retention ({} failed, tried again next time)",
        count,
        failed.size());
    return count;
  }

  @Override
  public synchronized void start() {
    if (timer != null || !layout.perRunTopics() || !sink.enabled()) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "run-topic-janitor");
              thread.setDaemon(true);
              return thread;
            });
    long every = layout.cleanupInterval().toMillis();
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            sweep(Instant.now());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (Exception e) {
            LOG.warn(
                "Run topic clean-up failed ({}); trying again in {}",
                e.getMessage(),
                layout.cleanupInterval());
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return timer != null;
  }
}
