package io.runstream.fanout.agui;

import io.runstream.core.identity.Caller;
import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The client's run ids of the face's runs: {@link AgUiRequests} keeps a run's {@code runId} in its
 * user message's metadata ({@code agui.runId}); a thread's runs are the runs of its session (by
 * key). No table of the face's own.
 */
@Component
public class AgUiRuns {
  private final JdbcClient jdbc;
  private final SessionStore sessions;
  private final RunStore runs;
  private final ChunkLogStore chunkLog;

  /** How long a client's answer waits for its call to reach the chunk log. */
  private static final Duration PENDING_CALL_WAIT = Duration.ofSeconds(5);

  public AgUiRuns(JdbcClient jdbc, SessionStore sessions, RunStore runs, ChunkLogStore chunkLog) {
    this.jdbc = jdbc;
    this.sessions = sessions;
    this.runs = runs;
    this.chunkLog = chunkLog;
  }

  /** The thread's session, if the caller has one. */
  public Optional<UUID> thread(Caller caller, String threadId) {
    return sessions.findByKey(caller.orgId(), caller.userId(), AgUiFace.ID, threadId);
  }

  /** The caller's run that the client named {@code runId} in that thread, if there is one. */
  public Optional<RunRow> find(Caller caller, String threadId, String runId) {
    return thread(caller, threadId)
        .flatMap(
            session ->
                jdbc.sql(
                        "SELECT run_id FROM messages WHERE session_id = :session AND sender_role = 'user'"
                            + " AND run_id IS NOT NULL AND metadata -> 'agui' ->> 'runId' = :runId"
                            + " ORDER BY ordinal DESC LIMIT 1")
                    .param("session", session)
                    .param("runId", runId)
                    .query(UUID.class)
                    .optional())
        .flatMap(id -> runs.find(caller.orgId(), id));
  }

  /**
   * True once the run's chunk log shows the client tool call without its result. The client answers
   * as soon as it sees the call, which can be before the sink logged it: wait a little.
   */
  public boolean pending(RunRow run, String toolCallId) {
    long deadline = System.nanoTime() + PENDING_CALL_WAIT.toNanos();
    while (true) {
      if (chunkLog.pendingClientToolCall(run.id(), toolCallId)) {
        return true;
      }
      if (System.nanoTime() > deadline
          || runs.find(run.id()).map(r -> r.status().terminal()).orElse(true)) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
