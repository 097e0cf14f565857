package io.runstream.core.store;

import io.runstream.core.time.Timestamps;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.core.support.AbstractSqlTypeValue;
import org.springframework.stereotype.Repository;

/**
 * Transcript messages: user messages written by the ingest API, agent messages filled in by the
 * sink.
 */
@Repository
public class MessageStore {
  private static final String SELECT =
      """
      SELECT m.id, m.session_id, m.run_id, m.sender_role, m.text, m.status, m.temperature, m.model_provider,
             m.model_id, m.input_tokens, m.output_tokens, m.metadata::text AS metadata, m.created_at,
             f.rating AS feedback_rating, f.body AS feedback_body, f.created_at AS feedback_created_at
      FROM messages m LEFT JOIN feedback f ON f.message_id = m.id
      """;

  private final JdbcClient jdbc;

  public MessageStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts a message. */
  public void insert(
      UUID id,
      UUID sessionId,
      UUID orgId,
      UUID runId,
      String senderRole,
      String text,
      String status,
      String modelProvider,
      String modelId,
      String metadataJson,
      Instant now) {
    jdbc.sql(
            """
            INSERT INTO messages (id, session_id, org_id, run_id, sender_role, text, status, model_provider, model_id,
                                  metadata, created_at, updated_at)
            VALUES (:id, :session, :org, :run, :role, :text, :status, :provider, :model, CAST(:metadata AS jsonb),
                    :now, :now)""")
        .param("id", id)
        .param("session", sessionId)
        .param("org", orgId)
        .param("run", runId)
        .param("role", senderRole)
        .param("text", text)
        .param("status", status)
        .param("provider", modelProvider)
        .param("model", modelId)
        .param("metadata", metadataJson)
        .param("now", Timestamp.from(now))
        .update();
  }

  /** The message, if it belongs to the session. */
  public Optional<MessageRow> find(UUID sessionId, UUID id) {
    return jdbc.sql(SELECT + " WHERE m.session_id = :session AND m.id = :id")
        .param("session", sessionId)
        .param("id", id)
        .query(MessageStore::map)
        .optional();
  }

  /** Creates or replaces the feedback on a message; returns when it was given. */
  public Instant putFeedback(
      UUID messageId, UUID sessionId, String rating, String body, Instant now) {
    jdbc.sql(
            """
            INSERT INTO feedback (message_id, session_id, rating, body, created_at, updated_at)
            VALUES (:message, :session, :rating, :body, :now, :now)
            ON CONFLICT (message_id) DO UPDATE
              SET rating = EXCLUDED.rating, body = EXCLUDED.body, created_at = EXCLUDED.created_at,
                  updated_at = EXCLUDED.updated_at""")
        .param("message", messageId)
        .param("session", sessionId)
        .param("rating", rating)
        .param("body", body)
        .param("now", Timestamp.from(now))
        .update();
    return now;
  }

  /**
   * Removes runs' turns (their user and agent messages) from the transcript and from every later
   * run's history: a double-texting {@code rollback} (ADR 0016). The rows stay (the runs and their
   * streams refer to them).
   */
  public void rollBack(UUID sessionId, Collection<UUID> runIds, Instant now) {
    if (runIds.isEmpty()) {
      return;
    }
    jdbc.sql(
            "UPDATE messages SET rolled_back_at = :now WHERE session_id = :session AND run_id IN (:runs) AND rolled_back_at IS NULL")
        .param("session", sessionId)
        .param("runs", runIds)
        .param("now", Timestamp.from(now))
        .update();
  }

  /** A page of the session's transcript, oldest first (rolled-back turns left out). */
  public List<MessageRow> list(UUID sessionId, long offset, int limit) {
    return jdbc.sql(
            SELECT
                + " WHERE m.session_id = :session AND m.rolled_back_at IS NULL ORDER BY m.ordinal OFFSET :offset LIMIT :limit")
        .param("session", sessionId)
        .param("offset", offset)
        .param("limit", limit)
        .query(MessageStore::map)
        .list();
  }

  /** How many messages the session holds. */
  public long count(UUID sessionId) {
    return jdbc.sql(
            "SELECT count(*) FROM messages WHERE session_id = :session AND rolled_back_at IS NULL")
        .param("session", sessionId)
        .query(Long.class)
        .single();
  }

  /**
   * The last {@code limit} messages before the given one (oldest first), for the model's history.
   * Agent messages that produced no text are left out.
   */
  public List<MessageRow> historyBefore(UUID sessionId, UUID messageId, int limit) {
    List<MessageRow> newestFirst =
        new ArrayList<>(
            jdbc.sql(
                    SELECT
                        + """
                         WHERE m.session_id = :session
                           AND m.ordinal < (SELECT ordinal FROM messages WHERE id = :message)
                           AND (m.sender_role = 'user' OR m.text <> '')
                           AND m.rolled_back_at IS NULL
                         ORDER BY m.ordinal DESC LIMIT :limit""")
                .param("session", sessionId)
                .param("message", messageId)
                .param("limit", limit)
                .query(MessageStore::map)
                .list());
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  /**
   * Appends text to several streaming messages in one statement (the sink's batch: one update for
   * all its runs instead of one each).
   */
  public void appendTexts(Map<UUID, String> textByMessage, Instant now) {
    if (textByMessage.isEmpty()) {
      return;
    }
    UUID[] ids = textByMessage.keySet().toArray(UUID[]::new);
    String[] texts = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      texts[i] = textByMessage.get(ids[i]);
    }
    jdbc.sql(
            """
            UPDATE messages m SET text = m.text || u.t, updated_at = :now
            FROM unnest(CAST(:ids AS uuid[]), CAST(:texts AS text[])) AS u(id, t)
            WHERE m.id = u.id AND m.status = 'streaming'""")
        .param("ids", sqlArray("uuid", ids))
        .param("texts", sqlArray("text", texts))
        .param("now", Timestamp.from(now))
        .update();
  }

  /** A JDBC array parameter (Spring would expand a plain array into a list of parameters). */
  static SqlTypeValue sqlArray(String type, Object[] values) {
    return new AbstractSqlTypeValue() {
      @Override
      protected Object createTypeValue(Connection connection, int sqlType, String typeName)
          throws SQLException {
        return connection.createArrayOf(type, values);
      }
    };
  }

  /** Records an agent message's token usage (cumulative figures). */
  public void recordUsage(UUID messageId, long inputTokens, long outputTokens) {
    jdbc.sql("UPDATE messages SET input_tokens = :input, output_tokens = :output WHERE id = :id")
        .param("id", messageId)
        .param("input", inputTokens)
        .param("output", outputTokens)
        .update();
  }

  /**
   * Ends an agent message that is still streaming with its whole text: the worker, which has
   * emitted every delta, ends it before the run's last chunk is produced, so that whoever has read
   * the run reads the message it made. The sink's appends to a message that is no longer streaming
   * change nothing; false if it had ended. A null {@code text} keeps the text as streamed so far.
   */
  public boolean end(
      UUID messageId,
      String status,
      String text,
      Long inputTokens,
      Long outputTokens,
      Instant now) {
    return jdbc.sql(
                """
                UPDATE messages SET status = :status, text = COALESCE(:text, text),
                       input_tokens = COALESCE(:input, input_tokens),
                       output_tokens = COALESCE(:output, output_tokens), updated_at = :now
                WHERE id = :id AND status = 'streaming'""")
            .param("id", messageId)
            .param("status", status)
            .param("text", text)
            .param("input", inputTokens)
            .param("output", outputTokens)
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }

  /** Ends an agent message that is still streaming, its text as streamed so far. */
  public void finish(
      UUID messageId, String status, Long inputTokens, Long outputTokens, Instant now) {
    end(messageId, status, null, inputTokens, outputTokens, now);
  }

  private static MessageRow map(ResultSet rs, int row) throws SQLException {
    return new MessageRow(
        rs.getObject("id", UUID.class),
        rs.getObject("session_id", UUID.class),
        rs.getObject("run_id", UUID.class),
        rs.getString("sender_role"),
        rs.getString("text"),
        rs.getString("status"),
        rs.getDouble("temperature"),
        rs.getString("model_provider"),
        rs.getString("model_id"),
        (Long) rs.getObject("input_tokens"),
        (Long) rs.getObject("output_tokens"),
        rs.getString("metadata"),
        Timestamps.instant(rs.getTimestamp("created_at")),
        rs.getString("feedback_rating"),
        rs.getString("feedback_body"),
        Timestamps.instant(rs.getTimestamp("feedback_created_at")));
  }
}
