package io.runstream.fanout.agui;

import io.runstream.core.identity.Caller;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
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

  public AgUiRuns(JdbcClient jdbc, SessionStore sessions, RunStore runs) {
    this.jdbc = jdbc;
    this.sessions = sessions;
    this.runs = runs;
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

  /** The client's id of a run of the face (null for a run no AG-UI client named). */
  public String clientRunId(RunRow run) {
    return jdbc.sql(
            "SELECT metadata -> 'agui' ->> 'runId' FROM messages WHERE session_id = :session"
                + " AND run_id = :run AND sender_role = 'user' ORDER BY ordinal LIMIT 1")
        .param("session", run.sessionId())
        .param("run", run.id())
        .query(String.class)
        .optional()
        .orElse(null);
  }
}
