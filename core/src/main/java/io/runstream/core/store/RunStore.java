package io.runstream.core.store;

import io.runstream.core.time.Timestamps;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Runs: inserted queued by the ingest API, claimed by a worker, ended by the worker (or the lease
 * reaper) just before its {@code run.finished} is produced, and by the sink from that chunk when
 * the worker could not.
 */
@Repository
public class RunStore {
  private static final String SELECT =
      """
      SELECT id, session_id, org_id, user_id, user_message_id, agent_message_id, status, model_provider, model_id,
             seq_base, last_seq, chunk_topic, chunk_partition, chunk_offset, input_tokens, output_tokens,
             finish_reason, error::text AS error, created_at, started_at, finished_at, held
      FROM runs
      """;

  private final JdbcClient jdbc;

  public RunStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Inserts a queued run. Fails with a {@link org.springframework.dao.DuplicateKeyException} if the
   * session already has a live run.
   */
  public void insertQueued(
      UUID id,
      UUID sessionId,
      UUID orgId,
      UUID userId,
      UUID userMessageId,
      UUID agentMessageId,
      String modelProvider,
      String modelId,
      long seqBase,
      String chunkTopic,
      Instant now) {
    // chunk_topic is known at admission in the per-run-topic layout; where the run starts in it
    // (chunk_offset) is
    // recorded by the sink when it sees the run's first chunk.
    insert(
        id,
        sessionId,
        orgId,
        userId,
        userMessageId,
        agentMessageId,
        modelProvider,
        modelId,
        seqBase,
        chunkTopic,
        null,
        now);
  }

  /**
   * Inserts a run held behind the session's live run (double-texting {@code enqueue}, ADR 0016):
   * queued, without ids yet ({@code seq_base} 0), with its run request, which {@link #releaseNext}
   * completes and the releaser publishes.
   */
  public void insertHeld(
      UUID id,
      UUID sessionId,
      UUID orgId,
      UUID userId,
      UUID userMessageId,
      UUID agentMessageId,
      String modelProvider,
      String modelId,
      String chunkTopic,
      String requestJson,
      Instant now) {
    insert(
        id,
        sessionId,
        orgId,
        userId,
        userMessageId,
        agentMessageId,
        modelProvider,
        modelId,
        0,
        chunkTopic,
        requestJson,
        now);
  }

  /** A queued run; held (no ids yet, its request kept) when {@code heldRequest} is given. */
  private void insert(
      UUID id,
      UUID sessionId,
      UUID orgId,
      UUID userId,
      UUID userMessageId,
      UUID agentMessageId,
      String modelProvider,
      String modelId,
      long seqBase,
      String chunkTopic,
      String heldRequest,
      Instant now) {
    jdbc.sql(
            """
            INSERT INTO runs (id, session_id, org_id, user_id, user_message_id, agent_message_id, status,
                              model_provider, model_id, seq_base, chunk_topic, created_at, held, held_request)
            VALUES (:id, :session, :org, :user, :userMessage, :agentMessage, 'queued', :provider, :model, :base,
                    :topic, :now, :held, CAST(:request AS jsonb))""")
        .param("topic", chunkTopic)
        .param("id", id)
        .param("session", sessionId)
        .param("org", orgId)
        .param("user", userId)
        .param("userMessage", userMessageId)
        .param("agentMessage", agentMessageId)
        .param("provider", modelProvider)
        .param("model", modelId)
        .param("base", seqBase)
        .param("held", heldRequest != null)
        .param("request", heldRequest, Types.VARCHAR)
        .param("now", Timestamp.from(now))
        .update();
  }

  /**
   * Takes the run's transaction-scoped advisory lock, the one the sink takes for every run of a
   * batch before it touches any row ({@link ChunkLogStore}). A transaction that ends a run (its
   * row, then its agent message) takes it first: the sink's batch locks the message (the streamed
   * text) before the run (usage, start, end), and without it the two orders deadlocked (seen in
   * ReadYourOwnEndIT: the worker's stored end was lost to "deadlock detected").
   */
  public void lockAsTheSinkDoes(UUID runId) {
    jdbc.sql(
            "SELECT 1 FROM (SELECT pg_advisory_xact_lock("
                + ChunkLogStore.runLockKey("CAST(:id AS uuid)")
                + ")) AS l")
        .param("id", runId)
        .query((rs, row) -> 1)
        .list();
  }

  /** The session's live runs, held ones included, oldest first. */
  public List<RunRow> live(UUID sessionId) {
    return jdbc.sql(
            SELECT
                + " WHERE session_id = :session AND status IN ('queued', 'running') ORDER BY created_at, id")
        .param("session", sessionId)
        .query(RunStore::map)
        .list();
  }

  /** Whether the session has a run held behind its live run. */
  public boolean hasHeld(UUID sessionId) {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM runs WHERE session_id = :session AND held)")
        .param("session", sessionId)
        .query(Boolean.class)
        .single();
  }

  /** The session's run that is released next: its oldest held run. */
  public Optional<RunRow> nextHeld(UUID sessionId) {
    return jdbc.sql(
            SELECT + " WHERE session_id = :session AND held ORDER BY created_at, id LIMIT 1")
        .param("session", sessionId)
        .query(RunStore::map)
        .optional();
  }

  /**
   * Sessions that have held runs and no live run ahead of them (at most {@code limit}): those whose
   * next run can be released now (sessions still waiting for their live run would otherwise fill
   * the page sweep after sweep).
   */
  public List<UUID> sessionsWithHeldRuns(int limit) {
    return jdbc.sql(
            """
            SELECT DISTINCT h.session_id FROM runs h
            WHERE h.held AND NOT EXISTS (
              SELECT 1 FROM runs r WHERE r.session_id = h.session_id AND NOT r.held
                AND r.status IN ('queued', 'running'))
            LIMIT :limit""")
        .param("limit", limit)
        .query(UUID.class)
        .list();
  }

  /** A released run and its request, to publish. */
  public record Released(UUID id, long seqBase, String requestJson) {}

  /**
   * Releases the session's oldest held run if the session has no other live run: it gets the
   * session's next ids ({@code seq_base}) and is no longer held. Call in a transaction that holds
   * the session's row lock. Empty if nothing was released.
   */
  public Optional<Released> releaseNext(UUID sessionId) {
    boolean busy =
        jdbc.sql(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE session_id = :session AND status IN ('queued', 'running') AND NOT held)")
            .param("session", sessionId)
            .query(Boolean.class)
            .single();
    if (busy) {
      return Optional.empty();
    }
    Optional<UUID> next =
        jdbc.sql(
                "SELECT id FROM runs WHERE session_id = :session AND held ORDER BY created_at, id LIMIT 1")
            .param("session", sessionId)
            .query(UUID.class)
            .optional();
    if (next.isEmpty()) {
      return Optional.empty();
    }
    return jdbc.sql(
            """
            UPDATE runs SET held = false,
                   seq_base = (SELECT COALESCE(max(GREATEST(last_seq, seq_base)), 0) + 1 FROM runs
                               WHERE session_id = :session AND NOT held)
            WHERE id = :id AND held
            RETURNING id, seq_base, held_request::text AS request""")
        .param("session", sessionId)
        .param("id", next.get())
        .query(
            (rs, row) ->
                new Released(
                    rs.getObject("id", UUID.class),
                    rs.getLong("seq_base"),
                    rs.getString("request")))
        .optional();
  }

  /**
   * Released runs whose request the broker has not acknowledged yet, released before {@code
   * before}.
   */
  public List<Released> unpublished(Instant before, int limit) {
    return jdbc.sql(
            """
            SELECT id, seq_base, held_request::text AS request FROM runs
            WHERE held_request IS NOT NULL AND NOT held AND status = 'queued' AND created_at < :before
            ORDER BY created_at LIMIT :limit""")
        .param("before", Timestamp.from(before))
        .param("limit", limit)
        .query(
            (rs, row) ->
                new Released(
                    rs.getObject("id", UUID.class),
                    rs.getLong("seq_base"),
                    rs.getString("request")))
        .list();
  }

  /** The released run's request reached the broker: nothing is left to publish. */
  public void published(UUID id) {
    jdbc.sql("UPDATE runs SET held_request = NULL WHERE id = :id AND NOT held")
        .param("id", id)
        .update();
  }

  /** The run, whatever its organisation (internal use). */
  public Optional<RunRow> find(UUID id) {
    return jdbc.sql(SELECT + " WHERE id = :id").param("id", id).query(RunStore::map).optional();
  }

  /** The runs of these ids that exist, by id: one query for a batch's runs (the sink). */
  public Map<UUID, RunRow> findAll(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    Map<UUID, RunRow> found = new HashMap<>();
    jdbc.sql(SELECT + " WHERE id IN (:ids)")
        .param("ids", ids)
        .query(RunStore::map)
        .list()
        .forEach(run -> found.put(run.id(), run));
    return found;
  }

  /** The run, if it exists in this organisation. */
  public Optional<RunRow> find(UUID orgId, UUID id) {
    return jdbc.sql(SELECT + " WHERE id = :id AND org_id = :org")
        .param("id", id)
        .param("org", orgId)
        .query(RunStore::map)
        .optional();
  }

  /**
   * The session's most recent run that has its ids: runs held behind it (double-texting, ADR 0016)
   * are not counted until they are released.
   */
  public Optional<RunRow> latest(UUID sessionId) {
    return jdbc.sql(
            SELECT
                + " WHERE session_id = :session AND NOT held ORDER BY created_at DESC, seq_base DESC LIMIT 1")
        .param("session", sessionId)
        .query(RunStore::map)
        .optional();
  }

  /**
   * The session's first run (by ids) that has events after {@code after}: live, or ending past it.
   */
  public Optional<RunRow> firstEndingAfter(UUID sessionId, long after) {
    return jdbc.sql(
            SELECT
                + " WHERE session_id = :session AND NOT held AND (last_seq IS NULL OR last_seq > :after) ORDER BY seq_base LIMIT 1")
        .param("session", sessionId)
        .param("after", after)
        .query(RunStore::map)
        .optional();
  }

  /**
   * Claims a queued run for a worker with a lease; false if another worker holds it or it has ended
   * (a redelivered request is then skipped).
   */
  public Claim claim(UUID id, String workerId, Duration lease) {
    return jdbc.sql(
            """
            UPDATE runs SET status = 'running', worker_id = :worker, started_at = now(),
                   lease_expires_at = now() + make_interval(secs => :lease)
            WHERE id = :id AND status = 'queued' AND NOT held
            RETURNING stop_requested_at IS NOT NULL""")
        .param("id", id)
        .param("worker", workerId)
        .param("lease", (double) lease.toMillis() / 1000.0)
        .query(Boolean.class)
        .optional()
        .map(stopped -> stopped ? Claim.CLAIMED_STOP_REQUESTED : Claim.CLAIMED)
        .orElse(Claim.NOT_CLAIMED);
  }

  /** The outcome of a claim. */
  public enum Claim {
    /** Another worker holds the run, or it has ended. */
    NOT_CLAIMED,
    /** This worker holds the run. */
    CLAIMED,
    /** This worker holds the run, and a stop was asked before it started. */
    CLAIMED_STOP_REQUESTED
  }

  /**
   * Records a stop request of a live run; false if the run has ended or a stop was already asked
   * (stopping is idempotent).
   */
  public boolean requestStop(UUID id) {
    return jdbc.sql(
                """
                UPDATE runs SET stop_requested_at = now()
                WHERE id = :id AND status IN ('queued', 'running') AND stop_requested_at IS NULL""")
            .param("id", id)
            .update()
        == 1;
  }

  /** Extends the lease of runs this worker holds. */
  public int renewLeases(String workerId, List<UUID> runIds, Duration lease) {
    if (runIds.isEmpty()) {
      return 0;
    }
    return jdbc.sql(
            """
            UPDATE runs SET lease_expires_at = now() + make_interval(secs => :lease)
            WHERE id IN (:ids) AND worker_id = :worker AND status = 'running'""")
        .param("ids", runIds)
        .param("worker", workerId)
        .param("lease", (double) lease.toMillis() / 1000.0)
        .update();
  }

  /**
   * A run whose worker's lease expired.
   *
   * @param id the run
   * @param sessionId its session
   * @param seqBase its first seq
   * @param lastLoggedSeq the highest seq in its chunk log (0 if none)
   * @param chunkTopic its topic, null for the shared one
   * @param orgId its organisation
   * @param userId its user
   * @param modelProvider its model's provider
   * @param modelId its model
   * @param agentMessageId the agent message it was writing
   */
  public record ExpiredRun(
      UUID id,
      UUID sessionId,
      long seqBase,
      long lastLoggedSeq,
      String chunkTopic,
      UUID orgId,
      UUID userId,
      String modelProvider,
      String modelId,
      UUID agentMessageId) {}

  /**
   * Locks up to {@code limit} running runs whose lease expired (skipping rows another reaper holds)
   * and gives them to {@code reaper} for one lease, so that no other reaper takes them meanwhile.
   * Call inside a transaction.
   */
  public List<ExpiredRun> lockExpiredLeases(int limit, String self, String reaper, Duration lease) {
    List<ExpiredRun> expired =
        jdbc.sql(
                """
                SELECT r.id, r.session_id, r.seq_base, r.chunk_topic, r.org_id, r.user_id, r.model_provider, r.model_id,
                       r.agent_message_id,
                       COALESCE((SELECT COALESCE(c.last_seq, c.seq) FROM run_chunks c WHERE c.run_id = r.id
                                 ORDER BY c.seq DESC LIMIT 1), 0) AS last_logged
                FROM runs r
                WHERE r.status = 'running' AND r.lease_expires_at < now() AND r.worker_id IS DISTINCT FROM :self
                ORDER BY r.lease_expires_at
                LIMIT :limit
                FOR UPDATE OF r SKIP LOCKED""")
            .param("limit", limit)
            .param("self", self)
            .query(
                (rs, row) ->
                    new ExpiredRun(
                        rs.getObject("id", UUID.class),
                        rs.getObject("session_id", UUID.class),
                        rs.getLong("seq_base"),
                        rs.getLong("last_logged"),
                        rs.getString("chunk_topic"),
                        rs.getObject("org_id", UUID.class),
                        rs.getObject("user_id", UUID.class),
                        rs.getString("model_provider"),
                        rs.getString("model_id"),
                        rs.getObject("agent_message_id", UUID.class)))
            .list();
    if (!expired.isEmpty()) {
      jdbc.sql(
              """
              UPDATE runs SET worker_id = :reaper, lease_expires_at = now() + make_interval(secs => :lease)
              WHERE id IN (:ids)""")
          .param("reaper", reaper)
          .param("lease", (double) lease.toMillis() / 1000.0)
          .param("ids", expired.stream().map(ExpiredRun::id).toList())
          .update();
    }
    return expired;
  }

  /** The ids among these runs whose stop was asked. */
  public Set<UUID> stopRequestedAmong(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(
        jdbc.sql("SELECT id FROM runs WHERE id IN (:ids) AND stop_requested_at IS NOT NULL")
            .param("ids", ids)
            .query(UUID.class)
            .list());
  }

  /**
   * The ids among these runs whose output is over: they have ended and their last chunk ({@code
   * last_seq}) is in the chunk log. Whatever comes for them now is late output (a lost worker's,
   * after the reaper's end) and is discarded. A run whose end was stored before its last chunks
   * were produced (the worker and the reaper store the end first, so that a reader of the end finds
   * it stored) is not among them until that chunk is logged: its last chunks are logged and applied
   * like any (their effects on an ended run change nothing).
   */
  public Set<UUID> ended(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(
        jdbc.sql(
                """
                SELECT r.id FROM runs r
                WHERE r.id IN (:ids) AND r.status IN ('completed', 'cancelled', 'failed')
                  AND EXISTS (SELECT 1 FROM run_chunks c WHERE c.run_id = r.id AND c.seq = r.last_seq)""")
            .param("ids", ids)
            .query(UUID.class)
            .list());
  }

  /**
   * Records where the run's chunks start in Kafka, once (the warm resume tier reads from there).
   */
  /**
   * Of the given runs, those that ended before {@code cutoff} with their whole output in the chunk
   * log (its last chunk logged), or before {@code hardCutoff} whatever the log holds: their Kafka
   * topics can go.
   */
  public Set<UUID> endedAndLogged(Collection<UUID> ids, Instant cutoff, Instant hardCutoff) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(
        jdbc.sql(
                """
                SELECT r.id FROM runs r
                WHERE r.id = ANY(:ids) AND r.status IN ('completed', 'cancelled', 'failed')
                  AND (r.finished_at < :cutoff AND EXISTS (SELECT 1 FROM run_chunks c WHERE c.run_id = r.id AND c.seq = r.last_seq)
                       OR r.finished_at < :hard)""")
            .param("ids", ids.toArray(new UUID[0]))
            .param("cutoff", Timestamp.from(cutoff))
            .param("hard", Timestamp.from(hardCutoff))
            .query(UUID.class)
            .list());
  }

  public void recordChunkStart(UUID id, String topic, int partition, long offset) {
    jdbc.sql(
            """
            UPDATE runs SET chunk_topic = :topic, chunk_partition = :partition, chunk_offset = :offset,
                   status = CASE WHEN status = 'queued' THEN 'running' ELSE status END,
                   started_at = COALESCE(started_at, now())
            WHERE id = :id AND chunk_offset IS NULL""")
        .param("id", id)
        .param("topic", topic)
        .param("partition", partition)
        .param("offset", offset)
        .update();
  }

  /** Records the run's (latest) error. */
  public void recordError(UUID id, String errorJson) {
    jdbc.sql("UPDATE runs SET error = CAST(:error AS jsonb) WHERE id = :id")
        .param("id", id)
        .param("error", errorJson)
        .update();
  }

  /** Records a run's token usage (cumulative figures). */
  public void recordUsage(UUID id, long inputTokens, long outputTokens) {
    jdbc.sql("UPDATE runs SET input_tokens = :input, output_tokens = :output WHERE id = :id")
        .param("id", id)
        .param("input", inputTokens)
        .param("output", outputTokens)
        .update();
  }

  /** Ends a run that has not ended yet; false if it had. */
  public boolean finish(
      UUID id,
      RunStatus status,
      long lastSeq,
      String finishReason,
      String errorJson,
      Long inputTokens,
      Long outputTokens,
      Instant finishedAt) {
    return jdbc.sql(
                """
                UPDATE runs SET status = :status, last_seq = :last, finish_reason = :reason,
                       error = COALESCE(CAST(:error AS jsonb), error), input_tokens = COALESCE(:input, input_tokens),
                       output_tokens = COALESCE(:output, output_tokens), finished_at = :finished,
                       lease_expires_at = NULL
                WHERE id = :id AND status IN ('queued', 'running')""")
            .param("id", id)
            .param("status", status.wire())
            .param("last", lastSeq)
            .param("reason", finishReason)
            .param("error", errorJson)
            .param("input", inputTokens)
            .param("output", outputTokens)
            .param("finished", Timestamp.from(finishedAt))
            .update()
        == 1;
  }

  /**
   * Marks a run that could not be published as failed; false if a worker had claimed it meanwhile.
   */
  public boolean failUnpublished(UUID id, String errorJson) {
    return jdbc.sql(
                """
            UPDATE runs SET status = 'failed', error = CAST(:error AS jsonb), finished_at = now(),
                   last_seq = seq_base - 1
            WHERE id = :id AND status = 'queued'""")
            .param("id", id)
            .param("error", errorJson)
            .update()
        == 1;
  }

  /**
   * A run with what its chunk log says of its progress so far: when its first text or reasoning
   * delta was emitted and how many deltas it has streamed (what a live view shows as time to first
   * token and tokens per second).
   *
   * @param run the run
   * @param firstDeltaAt when its first delta was emitted (null before it has one in the chunk log)
   * @param deltas the text and reasoning deltas in the chunk log
   * @param subject the subject of the user who started it
   */
  public record RunActivity(RunRow run, Instant firstDeltaAt, long deltas, String subject) {}

  /** The organisation's runs (or one user's, when {@code userId} is not null), newest first. */
  public List<RunActivity> recent(UUID orgId, UUID userId, long offset, int limit) {
    return jdbc.sql(
            """
            SELECT r.id, r.session_id, r.org_id, r.user_id, r.user_message_id, r.agent_message_id, r.status,
                   r.model_provider, r.model_id, r.seq_base, r.last_seq, r.chunk_topic, r.chunk_partition,
                   r.chunk_offset, r.input_tokens, r.output_tokens, r.finish_reason, r.error::text AS error,
                   r.created_at, r.started_at, r.finished_at, r.held, u.subject, d.first_ts, d.deltas
            FROM runs r
            LEFT JOIN users u ON u.id = r.user_id
            LEFT JOIN LATERAL (
              SELECT min(c.ts) AS first_ts, COALESCE(sum(COALESCE(c.last_seq, c.seq) - c.seq + 1), 0) AS deltas
              FROM run_chunks c
              WHERE c.run_id = r.id AND c.type IN ('text.delta', 'reasoning.delta')) d ON true
            WHERE r.org_id = :org AND (CAST(:user AS uuid) IS NULL OR r.user_id = :user)
            ORDER BY r.created_at DESC, r.id DESC LIMIT :limit OFFSET :offset
            """)
        .param("org", orgId)
        .param("user", userId)
        .param("limit", limit)
        .param("offset", offset)
        .query(
            (rs, row) ->
                new RunActivity(
                    map(rs, row),
                    Timestamps.instant(rs.getTimestamp("first_ts")),
                    rs.getLong("deltas"),
                    rs.getString("subject")))
        .list();
  }

  /** How many runs {@link #recent} pages through. */
  public long countRecent(UUID orgId, UUID userId) {
    return jdbc.sql(
            "SELECT count(*) FROM runs WHERE org_id = :org AND (CAST(:user AS uuid) IS NULL OR user_id = :user)")
        .param("org", orgId)
        .param("user", userId)
        .query(Long.class)
        .single();
  }

  private static RunRow map(ResultSet rs, int row) throws SQLException {
    return new RunRow(
        rs.getObject("id", UUID.class),
        rs.getObject("session_id", UUID.class),
        rs.getObject("org_id", UUID.class),
        rs.getObject("user_id", UUID.class),
        rs.getObject("user_message_id", UUID.class),
        rs.getObject("agent_message_id", UUID.class),
        RunStatus.of(rs.getString("status")),
        rs.getString("model_provider"),
        rs.getString("model_id"),
        rs.getLong("seq_base"),
        (Long) rs.getObject("last_seq"),
        rs.getString("chunk_topic"),
        (Integer) rs.getObject("chunk_partition"),
        (Long) rs.getObject("chunk_offset"),
        (Long) rs.getObject("input_tokens"),
        (Long) rs.getObject("output_tokens"),
        rs.getString("finish_reason"),
        rs.getString("error"),
        Timestamps.instant(rs.getTimestamp("created_at")),
        Timestamps.instant(rs.getTimestamp("started_at")),
        Timestamps.instant(rs.getTimestamp("finished_at")),
        rs.getBoolean("held"));
  }
}
