package io.runstream.core.store;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Users' context nodes: labelled, weighted facts the agent is given before the message. */
@Repository
public class ContextNodeStore {
  private final JdbcClient jdbc;

  public ContextNodeStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * One node.
   *
   * @param label what it is about, unique per user (e.g. {@code voice})
   * @param content what the agent should know
   * @param weight how much it matters; the heaviest go into the prompt
   * @param updatedAt when it was last set
   */
  public record Node(String label, String content, double weight, Instant updatedAt) {}

  /** The user's nodes, heaviest first (ties by label), at most {@code limit}. */
  public List<Node> top(UUID orgId, UUID userId, int limit) {
    return jdbc.sql(
            """
            SELECT label, content, weight, updated_at FROM context_nodes
            WHERE org_id = :org AND user_id = :user ORDER BY weight DESC, label LIMIT :limit""")
        .param("org", orgId)
        .param("user", userId)
        .param("limit", limit)
        .query(
            (rs, row) ->
                new Node(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getDouble(3),
                    rs.getTimestamp(4).toInstant()))
        .list();
  }

  /** How many nodes the user has. */
  public int count(UUID orgId, UUID userId) {
    return jdbc.sql("SELECT count(*) FROM context_nodes WHERE org_id = :org AND user_id = :user")
        .param("org", orgId)
        .param("user", userId)
        .query(Integer.class)
        .single();
  }

  /** Creates or replaces the node with this label. */
  public Node put(UUID orgId, UUID userId, String label, String content, double weight) {
    return jdbc.sql(
            """
            INSERT INTO context_nodes (org_id, user_id, label, content, weight) VALUES (:org, :user, :label, :content, :weight)
            ON CONFLICT (org_id, user_id, label) DO UPDATE
              SET content = EXCLUDED.content, weight = EXCLUDED.weight, updated_at = now()
            RETURNING label, content, weight, updated_at""")
        .param("org", orgId)
        .param("user", userId)
        .param("label", label)
        .param("content", content)
        .param("weight", weight)
        .query(
            (rs, row) ->
                new Node(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getDouble(3),
                    rs.getTimestamp(4).toInstant()))
        .single();
  }

  /** Deletes the node with this label; false if there was none. */
  public boolean delete(UUID orgId, UUID userId, String label) {
    return jdbc.sql(
                "DELETE FROM context_nodes WHERE org_id = :org AND user_id = :user AND label = :label")
            .param("org", orgId)
            .param("user", userId)
            .param("label", label)
            .update()
        > 0;
  }
}
