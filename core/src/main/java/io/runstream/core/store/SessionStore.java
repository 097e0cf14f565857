package io.runstream.core.store;

import io.runstream.core.identity.UserIds;
import io.runstream.core.time.Timestamps;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Sessions: created by the ingest API, listed per user, always looked up within the caller's
 * organisation.
 */
@Repository
public class SessionStore {
  private static final String SELECT =
      """
      SELECT s.id, s.org_id, s.user_id, u.name AS user_name, s.title, s.metadata::text AS metadata,
             s.created_at, s.updated_at, u.subject AS user_subject, o.external_id AS org_external_id,
             s.face, s.external_key
      FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = s.org_id
      """;

  private final JdbcClient jdbc;

  public SessionStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts a new session. */
  public void insert(
      UUID id, UUID orgId, UUID userId, String title, String metadataJson, Instant now) {
    jdbc.sql(
            """
            INSERT INTO sessions (id, org_id, user_id, title, metadata, created_at, updated_at)
            VALUES (:id, :org, :user, :title, CAST(:metadata AS jsonb), :now, :now)""")
        .param("id", id)
        .param("org", orgId)
        .param("user", userId)
        .param("title", title)
        .param("metadata", metadataJson)
        .param("now", Timestamp.from(now))
        .update();
  }

  /**
   * A session a face names by its own key.
   *
   * @param id the session
   * @param created whether this call created it
   */
  public record Keyed(UUID id, boolean created) {}

  /**
   * The session a face names by its own key for this user, created (with {@code title} and {@code
   * metadataJson}) if it does not exist yet, and locked for the rest of the transaction.
   */
  public Keyed lockOrCreateByKey(
      UUID orgId,
      UUID userId,
      String face,
      String key,
      String title,
      String metadataJson,
      Instant now) {
    UUID fresh = UUID.randomUUID();
    int inserted =
        jdbc.sql(
                """
                INSERT INTO sessions (id, org_id, user_id, title, metadata, created_at, updated_at, face, external_key)
                VALUES (:id, :org, :user, :title, CAST(:metadata AS jsonb), :now, :now, :face, :key)
                ON CONFLICT (org_id, user_id, face, external_key) WHERE external_key IS NOT NULL DO NOTHING""")
            .param("id", fresh)
            .param("org", orgId)
            .param("user", userId)
            .param("title", title)
            .param("metadata", metadataJson)
            .param("now", Timestamp.from(now))
            .param("face", face)
            .param("key", key)
            .update();
    UUID id =
        jdbc.sql(
                """
            SELECT id FROM sessions
            WHERE org_id = :org AND user_id = :user AND face = :face AND external_key = :key FOR UPDATE""")
            .param("org", orgId)
            .param("user", userId)
            .param("face", face)
            .param("key", key)
            .query(UUID.class)
            .single();
    return new Keyed(id, inserted == 1);
  }

  /** The id of the session a face names by its own key for this user, if it exists. */
  public Optional<UUID> findByKey(UUID orgId, UUID userId, String face, String key) {
    return jdbc.sql(
            "SELECT id FROM sessions WHERE org_id = :org AND user_id = :user AND face = :face AND external_key = :key")
        .param("org", orgId)
        .param("user", userId)
        .param("face", face)
        .param("key", key)
        .query(UUID.class)
        .optional();
  }

  /** The session, if it exists in this organisation. */
  public Optional<SessionRow> find(UUID orgId, UUID id) {
    return jdbc.sql(SELECT + " WHERE s.id = :id AND s.org_id = :org")
        .param("id", id)
        .param("org", orgId)
        .query(SessionStore::map)
        .optional();
  }

  /**
   * Locks the session's row for the rest of the transaction; false if it is not in this
   * organisation.
   */
  public boolean lock(UUID orgId, UUID id) {
    return jdbc.sql("SELECT id FROM sessions WHERE id = :id AND org_id = :org FOR UPDATE")
        .param("id", id)
        .param("org", orgId)
        .query(UUID.class)
        .optional()
        .isPresent();
  }

  /** Marks the session changed. */
  public void touch(UUID id, Instant now) {
    jdbc.sql("UPDATE sessions SET updated_at = :now WHERE id = :id")
        .param("id", id)
        .param("now", Timestamp.from(now))
        .update();
  }

  /** True if the session's title is still blank. */
  public boolean titleBlank(UUID id) {
    return jdbc.sql("SELECT title = '' FROM sessions WHERE id = :id")
        .param("id", id)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }

  /** Sets a generated title unless the session has one meanwhile. */
  public void setTitleIfBlank(UUID id, String title) {
    jdbc.sql("UPDATE sessions SET title = :title, updated_at = now() WHERE id = :id AND title = ''")
        .param("id", id)
        .param("title", title)
        .update();
  }

  /** A page of the user's sessions, newest first. */
  public List<SessionRow> listForUser(UUID orgId, UUID userId, long offset, int limit) {
    return jdbc.sql(
            SELECT
                + " WHERE s.org_id = :org AND s.user_id = :user ORDER BY s.created_at DESC, s.id DESC OFFSET :offset LIMIT :limit")
        .param("org", orgId)
        .param("user", userId)
        .param("offset", offset)
        .param("limit", limit)
        .query(SessionStore::map)
        .list();
  }

  /** How many sessions the user has. */
  public long countForUser(UUID orgId, UUID userId) {
    return jdbc.sql("SELECT count(*) FROM sessions WHERE org_id = :org AND user_id = :user")
        .param("org", orgId)
        .param("user", userId)
        .query(Long.class)
        .single();
  }

  private static SessionRow map(ResultSet rs, int row) throws SQLException {
    return new SessionRow(
        rs.getObject("id", UUID.class),
        rs.getObject("org_id", UUID.class),
        rs.getObject("user_id", UUID.class),
        rs.getString("user_name"),
        rs.getString("title"),
        rs.getString("metadata"),
        Timestamps.instant(rs.getTimestamp("created_at")),
        Timestamps.instant(rs.getTimestamp("updated_at")),
        UserIds.of(rs.getString("org_external_id"), rs.getString("user_subject")),
        rs.getString("face"),
        rs.getString("external_key"));
  }
}
