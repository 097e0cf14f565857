package io.runstream.admission.limits;

import io.runstream.admission.AdmissionProperties;
import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.UsageLedger;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Checked before a run is admitted: the user's run rate (a token bucket per user shared by every
 * instance, 429 with {@code Retry-After}; a service identity's own rate) and the organisation's
 * token budget fed by the usage ledger (402 {@code INSUFFICIENT_BALANCE} with {@code required},
 * {@code available}, {@code billingUrl}); and, inside the admission's transaction, the user's live
 * runs ({@link #checkLive}: 429 {@code too_many_live_runs}; a service identity's own limit).
 */
@Component
public class RunLimits {
  private final UsageLedger usage;
  private final AdmissionProperties properties;
  private final JdbcClient jdbc;

  public RunLimits(UsageLedger usage, AdmissionProperties properties, JdbcClient jdbc) {
    this.usage = usage;
    this.properties = properties;
    this.jdbc = jdbc;
  }

  /**
   * Checks every limit for a run whose prompt is {@code text}: the organisation's budget (402), the
   * caller's run rate and its live runs (429). Must run inside the transaction that writes the run,
   * as its last step: a run refused here is rolled back with everything its admission wrote, and a
   * rate token is spent only by a run that is admitted. Taking the limits in the admission's own
   * transaction saves a POST two statements of their own (a connection each, and a commit for the
   * bucket): 1.7 ms of an idle POST, measured (issue #24). The bucket's row lock and the live-run
   * lock are the transaction's last, held only until the commit, in the same order by every
   * admission (no deadlock), so a user's concurrent POSTs are not serialised over their admission.
   */
  public void check(Caller caller, String text) {
    budget(caller.orgId(), text);
    rate(caller);
    checkLive(caller);
  }

  /**
   * One token from the caller's bucket, in PostgreSQL so that the limit holds across instances:
   * refilled at the per-minute rate up to the burst, taken in one statement (the row is locked for
   * its update, so concurrent admissions on any instance take one token each). A service identity
   * has its own rate and burst.
   */
  private void rate(Caller caller) {
    int perMinute =
        caller.service() ? properties.serviceRunsPerMinute() : properties.runsPerMinute();
    int burst = caller.service() ? properties.serviceRunBurst() : properties.runBurst();
    double perSecond = perMinute / 60.0;
    List<Double> taken =
        jdbc.sql(
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
    double tokens =
        jdbc.sql(
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
        HttpStatus.TOO_MANY_REQUESTS,
        "rate_limited",
        "Too Many Requests",
        "Too many runs started; at most " + perMinute + " a minute (bursts of " + burst + ").",
        Map.of("retryAfter", retryAfter),
        Map.of("Retry-After", Long.toString(retryAfter)));
  }

  /**
   * How long a caller over its live runs is told to wait: runs end at any time, so a short, fixed
   * pause.
   */
  static final long LIVE_RETRY_AFTER_SECONDS = 5;

  /**
   * The caller's live runs (queued or running) stay within {@code max-live-runs-per-user} (a
   * service identity: {@code max-live-runs-per-service}); throws 429 {@code too_many_live_runs}
   * otherwise.
   *
   * <p>Must run inside the transaction that inserts the run (RunAdmission's write), as its last
   * step, after the insert: the count includes the new run. A count alone would let concurrent
   * admissions (on any instance) each see room for one more and all commit; so the count is taken
   * under a transaction-scoped advisory lock per user: the admissions of one user pass this point
   * one at a time, each counting the runs the ones before it committed. The lock is the
   * transaction's last (nothing is locked after it, so no deadlock) and is held only for the count
   * and the commit: a backend that starts a hundred runs at once with one identity is not
   * serialised over its whole admission (measured: taken first, it made POST p50 431 ms for 100
   * runs at once, against 83 ms without). Admissions of different users never wait for each other,
   * and nothing is left to clean up: the lock goes with the transaction, the count is of the runs
   * themselves (a run that ends, whichever way, stops counting). The count reads the partial index
   * {@code runs_live_by_user} (V11), whose size is the live runs, not the user's history.
   */
  private void checkLive(Caller caller) {
    int limit =
        caller.service() ? properties.maxLiveRunsPerService() : properties.maxLiveRunsPerUser();
    jdbc.sql("SELECT pg_advisory_xact_lock(:space, hashtext(:user))")
        .param("space", LIVE_RUNS_LOCK_SPACE)
        .param("user", caller.userId().toString())
        .query((row, n) -> Boolean.TRUE)
        .list();
    // A statement of its own after the lock: under READ COMMITTED its snapshot then includes the
    // run the previous
    // holder committed (a count in the locking statement would be taken before the wait).
    long live =
        jdbc.sql(
                "SELECT count(*) FROM runs WHERE user_id = :user AND status IN ('queued', 'running')")
            .param("user", caller.userId())
            .query(Long.class)
            .single();
    if (live > limit) {
      String who = caller.service() ? "a service identity" : "a user";
      throw new ApiException(
          HttpStatus.TOO_MANY_REQUESTS,
          "too_many_live_runs",
          "Too Many Requests",
          "Too many live runs: at most "
              + limit
              + " at once for "
              + who
              + " (runstream.ingest.max-live-runs-per-"
              + (caller.service() ? "service" : "user")
              + "); wait for one to finish or stop one.",
          Map.of("limit", limit, "retryAfter", LIVE_RETRY_AFTER_SECONDS),
          Map.of("Retry-After", Long.toString(LIVE_RETRY_AFTER_SECONDS)));
    }
  }

  /**
   * The first key of the live-run locks (two-key advisory locks, a space of their own): "live" in
   * ASCII.
   */
  private static final int LIVE_RUNS_LOCK_SPACE = 0x6c697665;

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
          HttpStatus.PAYMENT_REQUIRED,
          "INSUFFICIENT_BALANCE",
          "Payment Required",
          "The organisation's token budget is spent.",
          Map.of(
              "required", required, "available", available, "billingUrl", properties.billingUrl()),
          Map.of());
    }
  }
}
