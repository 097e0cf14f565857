package io.runstream.core.store;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The chunk log: every chunk of every run, written once, replayable with the same ids; consecutive
 * deltas of a part are stored as one segment row (V13).
 */
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
   * Inserts the chunks not logged yet and answers which were new, so that their effects are applied
   * exactly once.
   *
   * <p>A run's chunks reach the sink in seq order (one partition per run, produced in order), so a
   * run's log grows at its end: what a batch brings at or below the run's last logged seq was
   * logged before (a redelivered batch) and is skipped. The runs of the batch are locked for the
   * transaction (advisory locks, in order), so that two sinks handed the same records during a
   * rebalance write each chunk once. Consecutive text or reasoning deltas of one part are written
   * as one segment row ({@code seq .. last_seq}); everything in one statement, whatever the batch's
   * size (arrays, so PostgreSQL plans it once).
   */
  public Set<Key> insertNew(List<RunChunk> chunks) {
    if (chunks.isEmpty()) {
      return Set.of();
    }
    List<UUID> runIds = chunks.stream().map(RunChunk::runId).distinct().sorted().toList();
    Map<UUID, Long> logged = lockAndReadLastLogged(runIds);
    List<Row> rows = new ArrayList<>();
    Row open = null;
    for (RunChunk chunk : chunks) {
      long last = logged.getOrDefault(chunk.runId(), 0L);
      if (chunk.seq() <= last) {
        continue;
      }
      logged.put(chunk.runId(), chunk.seq());
      if (open != null && open.extends_(chunk)) {
        open.add(chunk);
        continue;
      }
      open = new Row(chunk);
      rows.add(open);
    }
    if (rows.isEmpty()) {
      return Set.of();
    }
    int n = rows.size();
    Object[] run = new Object[n];
    Object[] seq = new Object[n];
    Object[] lastSeq = new Object[n];
    Object[] session = new Object[n];
    Object[] type = new Object[n];
    Object[] part = new Object[n];
    Object[] ts = new Object[n];
    Object[] data = new Object[n];
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      RunChunk first = row.chunks.getFirst();
      run[i] = first.runId();
      seq[i] = first.seq();
      lastSeq[i] = row.chunks.size() > 1 ? row.chunks.getLast().seq() : null;
      session[i] = first.sessionId();
      type[i] = first.type();
      part[i] = first.part();
      ts[i] = first.ts().toString();
      data[i] = row.data();
    }
    Set<Key> inserted = new HashSet<>();
    template.execute(
        (Connection connection) -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  """
          INSERT INTO run_chunks (run_id, seq, last_seq, session_id, type, part, ts, data)
          SELECT r, s, l, se, t, p, CAST(ts AS timestamptz), CAST(d AS jsonb)
          FROM unnest(?::uuid[], ?::bigint[], ?::bigint[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[])
            AS x(r, s, l, se, t, p, ts, d)
          ON CONFLICT (run_id, seq) DO NOTHING RETURNING run_id, seq, last_seq""")) {
            insert.setArray(1, connection.createArrayOf("uuid", run));
            insert.setArray(2, connection.createArrayOf("bigint", seq));
            insert.setArray(3, connection.createArrayOf("bigint", lastSeq));
            insert.setArray(4, connection.createArrayOf("uuid", session));
            insert.setArray(5, connection.createArrayOf("text", type));
            insert.setArray(6, connection.createArrayOf("text", part));
            insert.setArray(7, connection.createArrayOf("text", ts));
            insert.setArray(8, connection.createArrayOf("text", data));
            try (ResultSet rs = insert.executeQuery()) {
              while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                long from = rs.getLong(2);
                long to = rs.getLong(3);
                to = rs.wasNull() ? from : to;
                for (long s = from; s <= to; s++) {
                  inserted.add(new Key(id, s));
                }
              }
            }
          }
          return null;
        });
    return inserted;
  }

  /**
   * The key of a run's transaction-scoped advisory lock, for a SQL expression of type uuid: the one
   * lock a sink batch takes per run and every other writer of a run's row and message takes first
   * ({@link RunStore#lockAsTheSinkDoes}), written once so that the two cannot drift apart.
   */
  static String runLockKey(String uuidExpression) {
    return "hashtextextended((" + uuidExpression + ")::text, 0)";
  }

  /**
   * Locks the runs for this transaction (in the given order, so that two sinks cannot deadlock),
   * then answers each one's last logged seq, read after the locks (a statement of its own: its
   * snapshot sees what a sink that held a lock committed).
   */
  private Map<UUID, Long> lockAndReadLastLogged(List<UUID> runIds) {
    Map<UUID, Long> logged = new HashMap<>();
    template.execute(
        (Connection connection) -> {
          Array ids = connection.createArrayOf("uuid", runIds.toArray());
          try (PreparedStatement lock =
              connection.prepareStatement(
                  "SELECT count(pg_advisory_xact_lock("
                      + runLockKey("r.id")
                      + ")) FROM unnest(?::uuid[]) AS r(id)")) {
            lock.setArray(1, ids);
            lock.executeQuery().close();
          }
          try (PreparedStatement query =
              connection.prepareStatement(
                  """
          SELECT r.id,
                 (SELECT COALESCE(c.last_seq, c.seq) FROM run_chunks c WHERE c.run_id = r.id ORDER BY c.seq DESC LIMIT 1)
          FROM unnest(?::uuid[]) AS r(id)""")) {
            query.setArray(1, ids);
            try (ResultSet rs = query.executeQuery()) {
              while (rs.next()) {
                long last = rs.getLong(2);
                logged.put(rs.getObject(1, UUID.class), rs.wasNull() ? 0L : last);
              }
            }
          }
          return null;
        });
    return logged;
  }

  /** One row of the log: a chunk, or a segment of consecutive deltas of one part. */
  private static final class Row {
    final List<RunChunk> chunks = new ArrayList<>(4);

    Row(RunChunk chunk) {
      chunks.add(chunk);
    }

    /** Whether {@code next} continues this row: the same run, part and delta type, the next seq. */
    boolean extends_(RunChunk next) {
      RunChunk last = chunks.getLast();
      return segmentable(next)
          && segmentable(last)
          && next.runId().equals(last.runId())
          && next.seq() == last.seq() + 1
          && next.type().equals(last.type())
          && Objects.equals(next.part(), last.part());
    }

    void add(RunChunk chunk) {
      chunks.add(chunk);
    }

    /** The row's {@code data}: the chunk's own, or the segment's deltas and times. */
    String data() {
      if (chunks.size() == 1) {
        return EventJson.MAPPER.writeValueAsString(EventJson.dataTree(chunks.getFirst().data()));
      }
      ObjectNode segment = EventJson.MAPPER.createObjectNode();
      ArrayNode deltas = segment.putArray(SEGMENT_DELTAS);
      ArrayNode times = segment.putArray(SEGMENT_TIMES);
      for (RunChunk chunk : chunks) {
        deltas.add(delta(chunk.data()));
        times.add(micros(chunk.ts()));
      }
      return EventJson.MAPPER.writeValueAsString(segment);
    }
  }

  private static final String SEGMENT_DELTAS = "deltas";
  private static final String SEGMENT_TIMES = "ts";

  private static boolean segmentable(RunChunk chunk) {
    return chunk.data() instanceof ChunkData.TextDelta
        || chunk.data() instanceof ChunkData.ReasoningDelta;
  }

  private static String delta(ChunkData data) {
    return data instanceof ChunkData.TextDelta text
        ? text.delta()
        : ((ChunkData.ReasoningDelta) data).delta();
  }

  private static long micros(Instant at) {
    return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
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

  /**
   * The run's chunks with seq above {@code after}, in order, at most {@code limit}: segments
   * expanded into their chunks, each with its own seq and time.
   */
  public List<RunChunk> read(UUID runId, long after, int limit) {
    List<RunChunk> chunks = new ArrayList<>();
    jdbc.sql(
            """
            SELECT run_id, seq, last_seq, session_id, type, part, ts, data::text AS data FROM run_chunks
            WHERE run_id = :run AND COALESCE(last_seq, seq) > :after ORDER BY seq LIMIT :limit""")
        .param("run", runId)
        .param("after", after)
        .param("limit", limit)
        .query(
            rs -> {
              expand(rs, after, limit, chunks);
            });
    return chunks;
  }

  private static void expand(ResultSet rs, long after, int limit, List<RunChunk> into)
      throws SQLException {
    if (into.size() >= limit) {
      return;
    }
    String type = rs.getString("type");
    JsonNode data = EventJson.MAPPER.readTree(rs.getString("data"));
    UUID runId = rs.getObject("run_id", UUID.class);
    UUID sessionId = rs.getObject("session_id", UUID.class);
    long seq = rs.getLong("seq");
    long last = rs.getLong("last_seq");
    boolean segment = !rs.wasNull();
    String part = rs.getString("part");
    if (!segment) {
      into.add(
          RunChunk.of(
              runId,
              sessionId,
              seq,
              rs.getTimestamp("ts").toInstant(),
              part,
              EventJson.readData(type, data)));
      return;
    }
    JsonNode deltas = data.get(SEGMENT_DELTAS);
    JsonNode times = data.get(SEGMENT_TIMES);
    for (int i = 0; seq + i <= last && into.size() < limit; i++) {
      if (seq + i <= after) {
        continue;
      }
      long micros = times.get(i).asLong();
      Instant ts =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      String text = deltas.get(i).asString();
      ChunkData chunk =
          ChunkData.TextDelta.TYPE.equals(type)
              ? new ChunkData.TextDelta(text)
              : new ChunkData.ReasoningDelta(text);
      into.add(RunChunk.of(runId, sessionId, seq + i, ts, part, chunk));
    }
  }
}
