package io.runstream.fanout.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.hot.HotRuns;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * What opening a stream needs to know of a run and its session, served from the node's memory for
 * the runs it holds, so that a reconnect storm onto live runs costs no database round trip per
 * reader (issue #15).
 *
 * <ul>
 *   <li>A run's row is kept while the hot tier holds the run, once it says where the run's chunks
 *       start (or the run has ended). The row's status may be behind: the hot tier, which has the
 *       run's chunks up to its end, decides what a reader gets, and a reader's heartbeat reads the
 *       row afresh. A row for a run the hot tier no longer holds is read from PostgreSQL again.
 *   <li>Concurrent openings of one run that is not in memory share one query (single flight).
 *   <li>A session's organisation never changes: it is remembered (bounded) after the first check.
 *   <li>The isolation checks are the queries' own: a run or session of another organisation is not
 *       found.
 * </ul>
 */
@Component
public class RunRows {
  private final RunStore runs;
  private final SessionStore sessions;
  private final HotRuns hot;
  private final int maxEntries;
  private final ConcurrentHashMap<UUID, RunRow> rows = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, CompletableFuture<Optional<RunRow>>> loading =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, UUID> sessionOrgs = new ConcurrentHashMap<>();
  private final Counter fromMemory;
  private final Counter fromDatabase;

  public RunRows(
      RunStore runs,
      SessionStore sessions,
      HotRuns hot,
      FanoutProperties properties,
      MeterRegistry meters) {
    this.runs = runs;
    this.sessions = sessions;
    this.hot = hot;
    this.maxEntries = Math.max(1000, properties.hotMaxRuns() * 2);
    this.fromMemory =
        Counter.builder("runstream.fanout.open.run-rows")
            .tag("source", "memory")
            .description("run rows a stream opening needed, by where they came from")
            .register(meters);
    this.fromDatabase =
        Counter.builder("runstream.fanout.open.run-rows")
            .tag("source", "database")
            .description("run rows a stream opening needed, by where they came from")
            .register(meters);
  }

  /** The run of the organisation, from memory when this node holds it. */
  public Optional<RunRow> find(UUID orgId, UUID runId) {
    RunRow row = rows.get(runId);
    if (row != null && hot.holds(runId)) {
      fromMemory.increment();
    } else {
      if (row != null) {
        rows.remove(runId, row);
      }
      row = load(runId).orElse(null);
    }
    return row != null && row.orgId().equals(orgId) ? Optional.of(row) : Optional.empty();
  }

  /** Whether the session exists in the organisation (remembered once found). */
  public boolean sessionExists(UUID orgId, UUID sessionId) {
    UUID org = sessionOrgs.get(sessionId);
    if (org == null) {
      org = sessions.find(orgId, sessionId).map(session -> session.orgId()).orElse(null);
      if (org == null) {
        return false;
      }
      if (sessionOrgs.size() >= maxEntries * 5) {
        sessionOrgs.clear();
      }
      sessionOrgs.put(sessionId, org);
    }
    return org.equals(orgId);
  }

  /**
   * The session's live run that this node holds, when a reader resuming after {@code after} belongs
   * on it: a session has one live run at most, so a reader whose last event is at or past that
   * run's start is reading it. Empty when the node holds no live run of the session (the database
   * decides then).
   */
  public Optional<RunRow> liveRunFor(UUID orgId, UUID sessionId, long after) {
    UUID runId = hot.liveRunOf(sessionId);
    if (runId == null) {
      return Optional.empty();
    }
    return find(orgId, runId)
        .filter(row -> row.sessionId().equals(sessionId) && after >= row.seqBase() - 1);
  }

  private Optional<RunRow> load(UUID runId) {
    CompletableFuture<Optional<RunRow>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<RunRow>> running = loading.putIfAbsent(runId, mine);
    if (running != null) {
      fromMemory.increment();
      return running.join();
    }
    try {
      fromDatabase.increment();
      Optional<RunRow> row = runs.find(runId);
      row.filter(this::keepable)
          .ifPresent(
              found -> {
                if (rows.size() >= maxEntries) {
                  rows.keySet().removeIf(id -> !hot.holds(id));
                }
                rows.put(runId, found);
              });
      mine.complete(row);
      return row;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      loading.remove(runId, mine);
    }
  }

  /**
   * A row worth keeping: its run is in memory, and the row says where its chunks start or that it
   * ended.
   */
  private boolean keepable(RunRow row) {
    return !row.held()
        && hot.holds(row.id())
        && (row.chunkTopic() != null || row.status().terminal());
  }
}
