package io.runstream.fanout.hot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.fanout.FanoutProperties;
import io.runstream.schemas.RunChunk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The hot tier of this node: recent runs in memory, bounded by run count and bytes. Eviction takes
 * finished runs without readers first (oldest end first), then idle live runs (least recently
 * touched); a run with readers is never evicted. Finished runs leave after {@code
 * hot-finished-ttl}.
 */
@Component
public class HotRuns implements DisposableBean {
  private final Map<UUID, RunBuffer> runs = new ConcurrentHashMap<>();

  /**
   * Each session's run that is in memory and has not ended (a session has one live run at most).
   */
  private final Map<UUID, UUID> liveBySession = new ConcurrentHashMap<>();

  private final AtomicLong bytes = new AtomicLong();
  private final FanoutProperties properties;
  private final Counter evictions;
  private final Counter slowReaders;

  /** Wakes readers whose heartbeat is due (they park without a timeout, see {@link Reader}). */
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("reader-heartbeats").unstarted(runnable));

  public HotRuns(FanoutProperties properties, MeterRegistry meters) {
    this.properties = properties;
    long tick = Math.clamp(properties.heartbeat().toMillis() / 10, 10, 500);
    ticker.scheduleWithFixedDelay(this::wakeDueReaders, tick, tick, TimeUnit.MILLISECONDS);
    this.evictions = meters.counter("runstream.fanout.hot.evictions");
    this.slowReaders = meters.counter("runstream.fanout.readers.disconnected.slow");
    Gauge.builder("runstream.fanout.hot.runs", runs, Map::size).register(meters);
    Gauge.builder("runstream.fanout.hot.bytes", bytes, AtomicLong::get).register(meters);
    Gauge.builder("runstream.fanout.readers", this, HotRuns::readers).register(meters);
  }

  /**
   * Appends a chunk consumed from Kafka (consumer thread); {@code recordBytes} is its record
   * value's size.
   */
  public void append(RunChunk chunk, int recordBytes) {
    RunBuffer buffer = runs.computeIfAbsent(chunk.runId(), RunBuffer::new);
    long added = buffer.append(HotChunk.of(chunk, recordBytes));
    if (chunk.terminal()) {
      liveBySession.remove(chunk.sessionId(), chunk.runId());
    } else if (added > 0) {
      liveBySession.put(chunk.sessionId(), chunk.runId());
    }
    if (added > 0 && bytes.addAndGet(added) > properties.hotMaxBytes()
        || runs.size() > properties.hotMaxRuns()) {
      evict();
    }
  }

  /**
   * Attaches a reader to a run, creating its (empty) buffer if the run has not been seen yet; the
   * run's later chunks are rendered by {@code prerender} (may be null) as they arrive.
   */
  public Attachment attach(UUID runId, long after, HotChunk.Prerender prerender) {
    while (true) {
      RunBuffer buffer = runs.computeIfAbsent(runId, RunBuffer::new);
      Attachment attachment = buffer.attach(after, properties.readerQueue(), prerender);
      if (attachment != null) {
        return attachment;
      }
      runs.remove(runId, buffer);
    }
  }

  /**
   * The run of a session that this node holds in memory and has seen no end of yet (a session has
   * at most one live run), or null.
   */
  public UUID liveRunOf(UUID sessionId) {
    UUID runId = liveBySession.get(sessionId);
    if (runId == null) {
      return null;
    }
    RunBuffer buffer = runs.get(runId);
    return buffer != null && !buffer.finished() ? runId : null;
  }

  /** Whether the run is in this node's memory. */
  public boolean holds(UUID runId) {
    return runs.containsKey(runId);
  }

  /** Attaches a reader only if the run is in memory already; null otherwise. */
  public Attachment attachIfPresent(UUID runId, long after, HotChunk.Prerender prerender) {
    RunBuffer buffer = runs.get(runId);
    return buffer == null ? null : buffer.attach(after, properties.readerQueue(), prerender);
  }

  /** Detaches a reader (its connection ended). */
  public void detach(Attachment attachment) {
    attachment.buffer().detach(attachment.reader());
    if (attachment.reader().overflowed()) {
      slowReaders.increment();
    }
  }

  private void wakeDueReaders() {
    try {
      long now = System.nanoTime();
      for (RunBuffer buffer : runs.values()) {
        buffer.wakeDue(now);
      }
    } catch (RuntimeException e) {
      // never let the ticker die
    }
  }

  @Override
  public void destroy() {
    ticker.shutdownNow();
  }

  /** How many runs are in memory. */
  public int size() {
    return runs.size();
  }

  /** How many readers are attached in all. */
  public int readers() {
    int total = 0;
    for (RunBuffer buffer : runs.values()) {
      total += buffer.readerCount();
    }
    return total;
  }

  /** Drops finished runs past their time to live; called periodically by the consumer thread. */
  public void expire() {
    long now = System.nanoTime();
    long ttl = properties.hotFinishedTtl().toNanos();
    for (RunBuffer buffer : runs.values()) {
      boolean over =
          buffer.finished()
              ? now - buffer.finishedNanos() > ttl
              : now - buffer.touchedNanos() > ttl;
      if (over && buffer.idle()) {
        remove(buffer);
      }
    }
  }

  private synchronized void evict() {
    if (bytes.get() <= properties.hotMaxBytes() && runs.size() <= properties.hotMaxRuns()) {
      return;
    }
    // Keys are snapshotted: readers touch buffers concurrently, and a sort must see stable keys.
    record Candidate(RunBuffer buffer, boolean live, long since) {}
    List<Candidate> candidates = new ArrayList<>();
    for (RunBuffer buffer : runs.values()) {
      if (buffer.idle()) {
        boolean finished = buffer.finished();
        candidates.add(
            new Candidate(
                buffer, !finished, finished ? buffer.finishedNanos() : buffer.touchedNanos()));
      }
    }
    candidates.sort(Comparator.comparing(Candidate::live).thenComparingLong(Candidate::since));
    for (Candidate candidate : candidates) {
      RunBuffer buffer = candidate.buffer();
      if (bytes.get() <= properties.hotMaxBytes() * 9 / 10
          && runs.size() <= properties.hotMaxRuns() * 9 / 10) {
        return;
      }
      if (remove(buffer)) {
        evictions.increment();
      }
    }
  }

  /**
   * Removes a buffer nobody reads; only the consumer thread retires buffers, so no append races
   * with it, and the retiring call alone releases its bytes (a reader that finds it retired only
   * drops the map entry).
   */
  private boolean remove(RunBuffer buffer) {
    if (!buffer.retireIfIdle()) {
      return false;
    }
    runs.remove(buffer.runId, buffer);
    if (!buffer.finished()) {
      // a live run evicted (rare): its session's entry goes too; a finished run's went with its
      // last chunk
      liveBySession.values().remove(buffer.runId);
    }
    bytes.addAndGet(-buffer.bytes());
    return true;
  }
}
