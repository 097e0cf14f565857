package io.runstream.core.usage;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.UsageRollup;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The usage roll-ups in PostgreSQL: written from topic {@code runstream.usage-rollups}, read by the
 * usage API.
 */
@Repository
public class UsageRollupStore {
  /** The user id of runs without a user. */
  public static final UUID NO_USER = new UUID(0, 0);

  private final JdbcClient jdbc;

  public UsageRollupStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Stores a window's total, replacing an older one; a record older than the stored one (fewer
   * runs) changes nothing, so replays and redeliveries are harmless.
   */
  public void upsert(UsageRollup rollup) {
    jdbc.sql(
            """
            INSERT INTO usage_rollups (org_id, granularity, window_start, user_id, model_id, runs, failures,
                                       cancellations, input_tokens, output_tokens, ttft, duration)
            VALUES (:org, :granularity, :start, :user, :model, :runs, :failures, :cancellations, :input, :output,
                    CAST(:ttft AS jsonb), CAST(:duration AS jsonb))
            ON CONFLICT (org_id, granularity, window_start, user_id, model_id) DO UPDATE
              SET runs = EXCLUDED.runs, failures = EXCLUDED.failures, cancellations = EXCLUDED.cancellations,
                  input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
                  ttft = EXCLUDED.ttft, duration = EXCLUDED.duration, updated_at = now()
              WHERE usage_rollups.runs <= EXCLUDED.runs""")
        .param("org", rollup.orgId())
        .param("granularity", rollup.granularity())
        .param("start", Timestamp.from(rollup.windowStart()))
        .param("user", rollup.userId() == null ? NO_USER : rollup.userId())
        .param("model", rollup.model())
        .param("runs", rollup.runs())
        .param("failures", rollup.failures())
        .param("cancellations", rollup.cancellations())
        .param("input", rollup.inputTokens())
        .param("output", rollup.outputTokens())
        .param("ttft", EventJson.MAPPER.writeValueAsString(rollup.timeToFirstTokenMs()))
        .param("duration", EventJson.MAPPER.writeValueAsString(rollup.durationMs()))
        .update();
  }

  /**
   * An organisation's windows of one granularity whose start lies in {@code [from, to)}, oldest
   * first.
   */
  public List<UsageRollup> windows(UUID orgId, String granularity, Instant from, Instant to) {
    Duration size = "hour".equals(granularity) ? Duration.ofHours(1) : Duration.ofMinutes(1);
    return jdbc.sql(
            """
            SELECT window_start, user_id, model_id, runs, failures, cancellations, input_tokens, output_tokens,
                   ttft::text AS ttft, duration::text AS duration
            FROM usage_rollups
            WHERE org_id = :org AND granularity = :granularity AND window_start >= :from AND window_start < :to
            ORDER BY window_start, user_id, model_id""")
        .param("org", orgId)
        .param("granularity", granularity)
        .param("from", Timestamp.from(from))
        .param("to", Timestamp.from(to))
        .query(
            (rs, row) -> {
              Instant start = rs.getTimestamp("window_start").toInstant();
              UUID user = rs.getObject("user_id", UUID.class);
              return new UsageRollup(
                  UsageRollup.SCHEMA_VERSION,
                  granularity,
                  start,
                  start.plus(size),
                  orgId,
                  NO_USER.equals(user) ? null : user,
                  rs.getString("model_id"),
                  rs.getLong("runs"),
                  rs.getLong("failures"),
                  rs.getLong("cancellations"),
                  rs.getLong("input_tokens"),
                  rs.getLong("output_tokens"),
                  EventJson.MAPPER.readValue(rs.getString("ttft"), UsageRollup.Latency.class),
                  EventJson.MAPPER.readValue(rs.getString("duration"), UsageRollup.Latency.class));
            })
        .list();
  }

  /** The subjects (the token's {@code sub}) of the organisation's users with these ids. */
  public Map<UUID, String> subjects(UUID orgId, Collection<UUID> userIds) {
    if (userIds.isEmpty()) {
      return Map.of();
    }
    return jdbc
        .sql("SELECT id, subject FROM users WHERE org_id = :org AND id = ANY(:ids)")
        .param("org", orgId)
        .param("ids", userIds.toArray(new UUID[0]))
        .query((rs, row) -> Map.entry(rs.getObject("id", UUID.class), rs.getString("subject")))
        .stream()
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }
}
