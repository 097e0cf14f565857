package io.runstream.core.store;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The usage ledger: one row per run with its final token counts. */
@Repository
public class UsageLedger {
  private final JdbcClient jdbc;

  public UsageLedger(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Records (or raises to the latest cumulative figures) a run's usage. */
  public void record(
      UUID runId, UUID orgId, UUID userId, String modelId, long inputTokens, long outputTokens) {
    jdbc.sql(
            """
            INSERT INTO usage_ledger (run_id, org_id, user_id, model_id, input_tokens, output_tokens)
            VALUES (:run, :org, :user, :model, :input, :output)
            ON CONFLICT (run_id) DO UPDATE SET input_tokens = GREATEST(usage_ledger.input_tokens, EXCLUDED.input_tokens),
                   output_tokens = GREATEST(usage_ledger.output_tokens, EXCLUDED.output_tokens)""")
        .param("run", runId)
        .param("org", orgId)
        .param("user", userId)
        .param("model", modelId)
        .param("input", inputTokens)
        .param("output", outputTokens)
        .update();
  }

  /** The organisation's token budget, or null when unlimited. */
  public Long budget(UUID orgId) {
    return jdbc.sql("SELECT token_budget FROM organisations WHERE id = :org")
        .param("org", orgId)
        .query((rs, row) -> (Long) rs.getObject(1))
        .optional()
        .orElse(null);
  }

  /** Sets (or, with null, removes) the organisation's token budget. */
  public void setBudget(UUID orgId, Long tokens) {
    jdbc.sql("UPDATE organisations SET token_budget = :tokens WHERE id = :org")
        .param("org", orgId)
        .param("tokens", tokens)
        .update();
  }

  /** Tokens the organisation used in all. */
  public long totalTokens(UUID orgId) {
    return jdbc.sql(
            "SELECT COALESCE(sum(input_tokens + output_tokens), 0) FROM usage_ledger WHERE org_id = :org")
        .param("org", orgId)
        .query(Long.class)
        .single();
  }
}
