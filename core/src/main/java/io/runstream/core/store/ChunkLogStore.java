package io.runstream.core.store;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;

/** The chunk log: every chunk of every run, idempotent on (run id, seq), replayable with the same ids. */
@Repository
public class ChunkLogStore {
  private final JdbcClient jdbc;
  private final JdbcTemplate template;

  public ChunkLogStore(JdbcClient jdbc, JdbcTemplate template) {
    this.jdbc = jdbc;
    this.template = template;
  }

  /** A chunk's identity in the log. */
  public record Key(UUID runId, long seq) {}

  /**
   * Inserts the chunks not logged yet and answers which were new, so that their effects are applied exactly once.
   */
  public Set<Key> insertNew(List<RunChunk> chunks) {
    if (chunks.isEmpty()) {
      return Set.of();
    }
    StringBuilder sql =
        new StringBuilder("INSERT INTO run_chunks (run_id, seq, session_id, type, part, ts, data) VALUES ");
    List<Object> args = new ArrayList<>(chunks.size() * 7);
    for (int i = 0; i < chunks.size(); i++) {
      RunChunk chunk = chunks.get(i);
      sql.append(i == 0 ? "" : ",").append("(?, ?, ?, ?, ?, ?, CAST(? AS jsonb))");
      args.add(chunk.runId());
      args.add(chunk.seq());
      args.add(chunk.sessionId());
      args.add(chunk.type());
      args.add(chunk.part());
      args.add(Timestamp.from(chunk.ts()));
      args.add(EventJson.MAPPER.writeValueAsString(EventJson.dataTree(chunk.data())));
    }
    sql.append(" ON CONFLICT (run_id, seq) DO NOTHING RETURNING run_id, seq");
    Set<Key> inserted = new HashSet<>();
    template.query(
        sql.toString(),
        rs -> {
          inserted.add(new Key(rs.getObject(1, UUID.class), rs.getLong(2)));
        },
        args.toArray());
    return inserted;
  }

  /** True if the run made a client-side tool call with this id that has no result yet. */
  public boolean pendingClientToolCall(UUID runId, String toolCallId) {
    return jdbc.sql(
            """
            SELECT EXISTS (SELECT 1 FROM run_chunks c WHERE c.run_id = :run AND c.type = 'tool.call'
                             AND c.data->>'toolCallId' = :call AND c.data->>'origin' = 'client')
               AND NOT EXISTS (SELECT 1 FROM run_chunks r WHERE r.run_id = :run AND r.type = 'tool.result'
                             AND r.data->>'toolCallId' = :call)""")
        .param("run", runId)
        .param("call", toolCallId)
        .query(Boolean.class)
        .single();
  }

  /** The run's chunks with seq above {@code after}, in order, at most {@code limit}. */
  public List<RunChunk> read(UUID runId, long after, int limit) {
    return jdbc.sql(
            """
            SELECT run_id, seq, session_id, type, part, ts, data::text AS data FROM run_chunks
            WHERE run_id = :run AND seq > :after ORDER BY seq LIMIT :limit""")
        .param("run", runId)
        .param("after", after)
        .param("limit", limit)
        .query(ChunkLogStore::map)
        .list();
  }

  private static RunChunk map(ResultSet rs, int row) throws SQLException {
    String type = rs.getString("type");
    JsonNode data = EventJson.MAPPER.readTree(rs.getString("data"));
    return RunChunk.of(
        rs.getObject("run_id", UUID.class),
        rs.getObject("session_id", UUID.class),
        rs.getLong("seq"),
        rs.getTimestamp("ts").toInstant(),
        rs.getString("part"),
        EventJson.readData(type, data));
  }
}
