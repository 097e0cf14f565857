package io.runstream.core.store;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Tool approvals and parked runs (issue #27 item 4, {@code V15__tool_approvals.sql}). A tool call
 * that needs a person's approval gets a row here before its request is streamed; the run is then
 * parked: it stays {@code running} (the session's live run) while no worker holds it ({@code
 * worker_id} {@value #PARKED}, no lease, so the lease reaper leaves it alone), and what the worker
 * needs to go on is kept with its request. The answer to its last approval, its approval timeout or
 * a stop makes it due ({@code resume_due}: a worker must have claimed it by then, or its request is
 * published again) and whoever made it due publishes its request; the worker that claims it goes on
 * from the continuation. Every step that changes a run's parking locks the run's row first.
 */
@Repository
public class ToolApprovalStore {
  /** The worker id of a parked run: no worker holds it. */
  public static final String PARKED = "parked";

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;

  public ToolApprovalStore(JdbcClient jdbc, TransactionTemplate tx) {
    this.jdbc = jdbc;
    this.tx = tx;
  }

  /**
   * An approval a run asks for.
   *
   * @param approvalId its id
   * @param toolCallId the call waiting for it
   * @param toolName the tool
   */
  public record Requested(String approvalId, String toolCallId, String toolName) {}

  /**
   * An approval and its answer, if any.
   *
   * @param approvalId its id
   * @param toolCallId the call
   * @param approved the answer, null while there is none
   * @param reason the reason given with the answer, or null
   * @param timedOut true when no answer came in time (then {@code approved} is false)
   */
  public record Decision(
      String approvalId, String toolCallId, Boolean approved, String reason, boolean timedOut) {}

  /** Records the approvals a run is about to ask for (before their requests are streamed). */
  public void expect(UUID runId, List<Requested> approvals) {
    for (Requested approval : approvals) {
      jdbc.sql(
              """
              INSERT INTO tool_approvals (run_id, approval_id, tool_call_id, tool_name)
              VALUES (:run, :approval, :call, :tool) ON CONFLICT DO NOTHING""")
          .param("run", runId)
          .param("approval", approval.approvalId())
          .param("call", approval.toolCallId())
          .param("tool", approval.toolName())
          .update();
    }
  }

  /** The run's approvals, in the order they were asked. */
  public List<Decision> decisions(UUID runId) {
    return jdbc.sql(
            """
            SELECT approval_id, tool_call_id, approved, reason, timed_out FROM tool_approvals
            WHERE run_id = :run ORDER BY requested_at, approval_id""")
        .param("run", runId)
        .query(
            (rs, row) ->
                new Decision(
                    rs.getString("approval_id"),
                    rs.getString("tool_call_id"),
                    (Boolean) rs.getObject("approved"),
                    rs.getString("reason"),
                    rs.getBoolean("timed_out")))
        .list();
  }

  /** How a parking went. */
  public enum Parking {
    /** The worker no longer holds the run (it was reaped or ended): nothing was parked. */
    NOT_HELD,
    /** Parked until its approvals are answered. */
    PARKED,
    /**
     * Parked and due at once (every approval was answered already, or a stop was asked): the caller
     * publishes its request.
     */
    DUE
  }

  /**
   * Parks a run this worker holds: its request and continuation are kept, no worker holds it any
   * more, and it waits for its approvals until {@code deadline}.
   */
  public Parking park(
      UUID runId,
      String workerId,
      String requestJson,
      String continuationJson,
      Instant deadline,
      Duration lease) {
    return tx.execute(
        status -> {
          Optional<Boolean> stopped =
              jdbc.sql(
                      """
                      SELECT stop_requested_at IS NOT NULL FROM runs
                      WHERE id = :id AND status = 'running' AND worker_id = :worker FOR UPDATE""")
                  .param("id", runId)
                  .param("worker", workerId)
                  .query(Boolean.class)
                  .optional();
          if (stopped.isEmpty()) {
            return Parking.NOT_HELD;
          }
          boolean due = stopped.get() || undecided(runId) == 0;
          jdbc.sql(
                  """
                  INSERT INTO run_parkings (run_id, request, continuation, deadline, resume_due)
                  VALUES (:id, CAST(:request AS jsonb), CAST(:continuation AS jsonb), :deadline,
                          CASE WHEN :due THEN now() + make_interval(secs => :lease) END)""")
              .param("id", runId)
              .param("request", requestJson)
              .param("continuation", continuationJson)
              .param("deadline", Timestamp.from(deadline))
              .param("due", due)
              .param("lease", seconds(lease))
              .update();
          jdbc.sql("UPDATE runs SET worker_id = :parked, lease_expires_at = NULL WHERE id = :id")
              .param("parked", PARKED)
              .param("id", runId)
              .update();
          return due ? Parking.DUE : Parking.PARKED;
        });
  }

  private int undecided(UUID runId) {
    return jdbc.sql("SELECT count(*) FROM tool_approvals WHERE run_id = :run AND approved IS NULL")
        .param("run", runId)
        .query(Integer.class)
        .single();
  }

  /** What an answer to an approval did. */
  public enum Answered {
    /** The run has no approval of that id. */
    UNKNOWN,
    /** Recorded; the run waits for other answers (or has not parked yet). */
    RECORDED,
    /** Recorded, and it was the last one: the run is due, the caller publishes its request. */
    DUE,
    /** The same answer was given already (nothing changed). */
    SAME,
    /** A different answer was given already (or the approval timed out). */
    CONFLICT,
    /** The run ended before the approval was answered. */
    ENDED
  }

  /**
   * An answer to an approval and, when it was the last one the parked run waited for, its request
   * to publish.
   *
   * @param outcome what the answer did
   * @param requestJson the run's request when it became due, else null
   */
  public record Answer(Answered outcome, String requestJson) {}

  /** Answers an approval of the run. */
  public Answer answer(
      UUID runId, String approvalId, boolean approved, String reason, Duration lease) {
    return tx.execute(
        status -> {
          Optional<String> run =
              jdbc.sql("SELECT status FROM runs WHERE id = :id FOR UPDATE")
                  .param("id", runId)
                  .query(String.class)
                  .optional();
          if (run.isEmpty()) {
            return new Answer(Answered.UNKNOWN, null);
          }
          Optional<Decision> existing =
              decisions(runId).stream().filter(d -> d.approvalId().equals(approvalId)).findFirst();
          if (existing.isEmpty()) {
            return new Answer(Answered.UNKNOWN, null);
          }
          Decision decision = existing.get();
          if (decision.approved() != null) {
            return new Answer(
                !decision.timedOut() && decision.approved() == approved
                    ? Answered.SAME
                    : Answered.CONFLICT,
                null);
          }
          if (!run.get().equals("running") && !run.get().equals("queued")) {
            return new Answer(Answered.ENDED, null);
          }
          jdbc.sql(
                  """
                  UPDATE tool_approvals SET approved = :approved, reason = :reason, decided_at = now()
                  WHERE run_id = :run AND approval_id = :approval""")
              .param("approved", approved)
              .param("reason", reason, Types.VARCHAR)
              .param("run", runId)
              .param("approval", approvalId)
              .update();
          if (undecided(runId) > 0) {
            return new Answer(Answered.RECORDED, null);
          }
          return makeDue(runId, lease)
              .map(request -> new Answer(Answered.DUE, request))
              .orElse(new Answer(Answered.RECORDED, null));
        });
  }

  /**
   * Makes a parked run due now (its stop was asked): its request to publish, or empty when it is
   * not parked or is due already.
   */
  public Optional<String> wake(UUID runId, Duration lease) {
    return tx.execute(
        status -> {
          boolean exists =
              jdbc.sql("SELECT 1 FROM runs WHERE id = :id FOR UPDATE")
                  .param("id", runId)
                  .query(Integer.class)
                  .optional()
                  .isPresent();
          return exists ? makeDue(runId, lease) : Optional.<String>empty();
        });
  }

  /** Sets a parking due if it is not yet; its request, or empty. Holds the run's row lock. */
  private Optional<String> makeDue(UUID runId, Duration lease) {
    return jdbc.sql(
            """
            UPDATE run_parkings SET resume_due = now() + make_interval(secs => :lease)
            WHERE run_id = :run AND resume_due IS NULL
            RETURNING request::text""")
        .param("lease", seconds(lease))
        .param("run", runId)
        .query(String.class)
        .optional();
  }

  /**
   * A parked run whose request is to be published.
   *
   * @param runId the run
   * @param requestJson its request
   */
  public record Due(UUID runId, String requestJson) {}

  /**
   * The parked runs to publish now, made due (until one lease from now): those whose approvals
   * timed out (their unanswered approvals are denied as timed out), those whose stop was asked, and
   * those due before now that no worker has claimed (their request is published again).
   */
  public List<Due> sweep(int limit, Duration lease) {
    return tx.execute(
        status -> {
          List<Due> due = new ArrayList<>();
          List<UUID> ids =
              jdbc.sql(
                      """
                      SELECT r.id FROM runs r JOIN run_parkings p ON p.run_id = r.id
                      WHERE r.status = 'running' AND r.worker_id = :parked
                        AND ((p.resume_due IS NULL AND (p.deadline < now() OR r.stop_requested_at IS NOT NULL))
                             OR p.resume_due < now())
                      ORDER BY p.parked_at LIMIT :limit
                      FOR UPDATE OF r SKIP LOCKED""")
                  .param("parked", PARKED)
                  .param("limit", limit)
                  .query(UUID.class)
                  .list();
          for (UUID id : ids) {
            jdbc.sql(
                    """
                    UPDATE tool_approvals a SET approved = false, timed_out = true, decided_at = now()
                    FROM run_parkings p
                    WHERE a.run_id = :run AND a.approved IS NULL AND p.run_id = a.run_id AND p.deadline < now()""")
                .param("run", id)
                .update();
            jdbc.sql(
                    """
                    UPDATE run_parkings SET resume_due = now() + make_interval(secs => :lease)
                    WHERE run_id = :run
                    RETURNING request::text""")
                .param("lease", seconds(lease))
                .param("run", id)
                .query(String.class)
                .optional()
                .ifPresent(request -> due.add(new Due(id, request)));
          }
          return due;
        });
  }

  /**
   * A parked run a worker has claimed to go on with it.
   *
   * @param continuationJson what the worker kept when it parked it
   * @param stopRequested whether its stop was asked
   * @param decisions its approvals and their answers
   */
  public record Resumed(String continuationJson, boolean stopRequested, List<Decision> decisions) {}

  /**
   * Claims a due parked run for this worker with a lease (its parking is removed); empty if it is
   * not parked or not due (a redelivered request, or another worker took it).
   */
  public Optional<Resumed> claim(UUID runId, String workerId, Duration lease) {
    return tx.execute(
        status -> {
          Optional<Boolean> stopped =
              jdbc.sql(
                      """
                      UPDATE runs SET worker_id = :worker,
                             lease_expires_at = now() + make_interval(secs => :lease)
                      WHERE id = :id AND status = 'running' AND worker_id = :parked
                        AND EXISTS (SELECT 1 FROM run_parkings p WHERE p.run_id = runs.id AND p.resume_due IS NOT NULL)
                      RETURNING stop_requested_at IS NOT NULL""")
                  .param("worker", workerId)
                  .param("lease", seconds(lease))
                  .param("id", runId)
                  .param("parked", PARKED)
                  .query(Boolean.class)
                  .optional();
          if (stopped.isEmpty()) {
            return Optional.<Resumed>empty();
          }
          String continuation =
              jdbc.sql("DELETE FROM run_parkings WHERE run_id = :id RETURNING continuation::text")
                  .param("id", runId)
                  .query(String.class)
                  .single();
          return Optional.of(new Resumed(continuation, stopped.get(), decisions(runId)));
        });
  }

  /** Whether the run is parked now (no worker holds it). */
  public boolean parked(UUID runId) {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM run_parkings WHERE run_id = :id)")
        .param("id", runId)
        .query(Boolean.class)
        .single();
  }

  private static double seconds(Duration duration) {
    return (double) duration.toMillis() / 1000.0;
  }
}
