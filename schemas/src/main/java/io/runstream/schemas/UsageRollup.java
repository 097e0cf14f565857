package io.runstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One window's usage of one organisation, user and model, as topic {@code runstream.usage-rollups}
 * carries it (key: {@link #key()}). The topic is compacted: the newest record of a key is the
 * window's current total; each record replaces the one before it. A run counts once, in the window
 * in which it ended.
 *
 * @param v schema version, 1
 * @param granularity {@code minute} or {@code hour}
 * @param windowStart the window's start (inclusive)
 * @param windowEnd the window's end (exclusive)
 * @param orgId the organisation
 * @param userId the user who started the runs; absent for runs without one
 * @param model the model id the runs used
 * @param runs runs that ended in the window
 * @param failures of those, the ones that failed
 * @param cancellations of those, the ones that were stopped
 * @param inputTokens input tokens of those runs (their usage chunks)
 * @param outputTokens output tokens of those runs
 * @param timeToFirstTokenMs time from a run's start to its first text or reasoning delta (runs that
 *     had one)
 * @param durationMs time from a run's start to its end (runs whose start was seen)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageRollup(
    int v,
    String granularity,
    Instant windowStart,
    Instant windowEnd,
    UUID orgId,
    UUID userId,
    String model,
    long runs,
    long failures,
    long cancellations,
    long inputTokens,
    long outputTokens,
    Latency timeToFirstTokenMs,
    Latency durationMs) {

  /** The current schema version. */
  public static final int SCHEMA_VERSION = 1;

  public UsageRollup {
    Objects.requireNonNull(granularity, "granularity");
    if (!granularity.equals("minute") && !granularity.equals("hour")) {
      throw new IllegalArgumentException("granularity must be minute or hour");
    }
    Objects.requireNonNull(windowStart, "windowStart");
    Objects.requireNonNull(windowEnd, "windowEnd");
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(timeToFirstTokenMs, "timeToFirstTokenMs");
    Objects.requireNonNull(durationMs, "durationMs");
  }

  /**
   * The record key: granularity, window start, organisation, user ({@code -} if none) and model, by
   * {@code /}.
   */
  public String key() {
    return granularity
        + "/"
        + windowStart
        + "/"
        + orgId
        + "/"
        + (userId == null ? "-" : userId)
        + "/"
        + model;
  }

  /**
   * A latency distribution: how many runs it covers, its median and 95th percentile (within 1 % of
   * the exact values), and the mergeable sketch they come from, so that windows can be combined.
   *
   * @param count the runs measured
   * @param p50 the median in milliseconds, absent when {@code count} is 0
   * @param p95 the 95th percentile in milliseconds, absent when {@code count} is 0
   * @param sketch bucket index (logarithmic, relative accuracy 1 %: bucket {@code i} holds values
   *     in {@code (γ^(i-1), γ^i]} with {@code γ = 1.01/0.99}) to count; key {@code "z"} counts
   *     values of 0 ms
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Latency(long count, Long p50, Long p95, Map<String, Long> sketch) {
    public Latency {
      sketch = sketch == null ? Map.of() : Map.copyOf(sketch);
    }
  }
}
