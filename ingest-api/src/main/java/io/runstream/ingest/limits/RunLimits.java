package io.runstream.ingest.limits;

import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.UsageLedger;
import io.runstream.ingest.IngestProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Checked before a run is admitted: the user's run rate (a token bucket per user, 429 with {@code Retry-After}) and
 * the organisation's token budget fed by the usage ledger (402 {@code INSUFFICIENT_BALANCE} with {@code required},
 * {@code available}, {@code billingUrl}).
 */
@Component
public class RunLimits {
  private static final int MAX_USERS = 100_000;

  private final UsageLedger usage;
  private final IngestProperties properties;
  private final Map<UUID, Bucket> buckets =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Bucket> eldest) {
          return size() > MAX_USERS;
        }
      };

  private static final class Bucket {
    double tokens;
    long updatedNanos;
  }

  public RunLimits(UsageLedger usage, IngestProperties properties) {
    this.usage = usage;
    this.properties = properties;
  }

  /** Checks both limits for a run whose prompt is {@code text}; throws 429 or 402. */
  public void check(Caller caller, String text) {
    rate(caller.userId());
    budget(caller.orgId(), text);
  }

  private void rate(UUID userId) {
    double perNano = properties.runsPerMinute() / 60e9;
    long now = System.nanoTime();
    double wait;
    synchronized (buckets) {
      Bucket bucket = buckets.computeIfAbsent(userId, id -> {
        Bucket fresh = new Bucket();
        fresh.tokens = properties.runBurst();
        fresh.updatedNanos = now;
        return fresh;
      });
      bucket.tokens = Math.min(properties.runBurst(), bucket.tokens + (now - bucket.updatedNanos) * perNano);
      bucket.updatedNanos = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      wait = (1 - bucket.tokens) / perNano / 1e9;
    }
    long retryAfter = Math.max(1, (long) Math.ceil(wait));
    throw new ApiException(
        HttpStatus.TOO_MANY_REQUESTS, "rate_limited", "Too Many Requests",
        "Too many runs started; at most " + properties.runsPerMinute() + " a minute (bursts of " + properties.runBurst()
            + ").",
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
