package io.runstream.ingest.limits;

import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.UsageLedger;
import io.runstream.ingest.IngestProperties;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Checked before a run is admitted: the user's run rate (a token bucket per user shared by every instance, 429 with
 * {@code Retry-After}; a service identity's own rate) and
 * the organisation's token budget fed by the usage ledger (402 {@code INSUFFICIENT_BALANCE} with {@code required},
 * {@code available}, {@code billingUrl}).
 */
@Component
public class RunLimits {
  private final UsageLedger usage;
  private final IngestProperties properties;
  private final org.springframework.jdbc.core.simple.JdbcClient jdbc;

  public RunLimits(UsageLedger usage, IngestProperties properties, org.springframework.jdbc.core.simple.JdbcClient jdbc) {
    this.usage = usage;
    this.properties = properties;
    this.jdbc = jdbc;
  }

  /** Checks both limits for a run whose prompt is {@code text}; throws 429 or 402. */
  public void check(Caller caller, String text) {
    rate(caller);
    budget(caller.orgId(), text);
  }

  /**
   * One token from the caller's bucket, in PostgreSQL so that the limit holds across instances: refilled at the
   * per-minute rate up to the burst, taken in one statement (the row is locked for its update, so concurrent
   * admissions on any instance take one token each). A service identity has its own rate and burst.
   */
  private void rate(Caller caller) {
    int perMinute = caller.service() ? properties.serviceRunsPerMinute() : properties.runsPerMinute();
    int burst = caller.service() ? properties.serviceRunBurst() : properties.runBurst();
    double perSecond = perMinute / 60.0;
    java.util.List<Double> taken = jdbc.sql(
            """
            INSERT INTO run_rate_buckets AS b (user_id, tokens, updated_at) VALUES (:user, :burst - 1, clock_timestamp())
            ON CONFLICT (user_id) DO UPDATE
              SET tokens = LEAST(:burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate) - 1,
                  updated_at = clock_timestamp()
              WHERE LEAST(:burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate) >= 1
            RETURNING tokens""")
        .param("user", caller.userId())
        .param("burst", (double) burst)
        .param("rate", perSecond)
        .query(Double.class)
        .list();
    if (!taken.isEmpty()) {
      return;
    }
    double tokens = jdbc.sql(
            """
            SELECT LEAST(:burst, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * :rate)
            FROM run_rate_buckets WHERE user_id = :user""")
        .param("user", caller.userId())
        .param("burst", (double) burst)
        .param("rate", perSecond)
        .query(Double.class)
        .optional()
        .orElse(0.0);
    long retryAfter = Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
    throw new ApiException(
        HttpStatus.TOO_MANY_REQUESTS, "rate_limited", "Too Many Requests",
        "Too many runs started; at most " + perMinute + " a minute (bursts of " + burst + ").",
        Map.of("retryAfter", retryAfter),
        Map.of("Retry-After", Long.toString(retryAfter)));
  }

  private void budget(UUID orgId, String text) {
    Long budget = usage.budget(orgId);
    if (budget == null) {
      return;
    }
    long used = usage.totalTokens(orgId);
    long available = Math.max(0, budget - used);
    // The prompt alone, about four characters a token; the answer's cost is known only after it.
    long required = Math.max(1, (text.codePointCount(0, text.length()) + 3) / 4);
    if (available < required) {
      throw new ApiException(
          HttpStatus.PAYMENT_REQUIRED, "INSUFFICIENT_BALANCE", "Payment Required",
          "The organisation's token budget is spent.",
          Map.of("required", required, "available", available, "billingUrl", properties.billingUrl()),
          Map.of());
    }
  }
}
