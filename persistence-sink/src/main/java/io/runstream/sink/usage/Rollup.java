package io.runstream.sink.usage;

import io.runstream.core.usage.LatencySketch;
import io.runstream.schemas.UsageRollup;
import java.time.Instant;
import java.util.UUID;

/**
 * A window's running total for one organisation, user and model (the window stores' value).
 *
 * @param runs runs that ended in the window
 * @param failures failed runs
 * @param cancellations cancelled runs
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param timeToFirstTokenMs the time-to-first-token sketch
 * @param durationMs the duration sketch
 */
public record Rollup(
    long runs,
    long failures,
    long cancellations,
    long inputTokens,
    long outputTokens,
    UsageRollup.Latency timeToFirstTokenMs,
    UsageRollup.Latency durationMs) {

  static Rollup empty() {
    return new Rollup(
        0,
        0,
        0,
        0,
        0,
        new UsageRollup.Latency(0, null, null, null),
        new UsageRollup.Latency(0, null, null, null));
  }

  Rollup add(RunSummary run) {
    LatencySketch ttft = LatencySketch.of(timeToFirstTokenMs);
    if (run.timeToFirstTokenMs() != null) {
      ttft.add(run.timeToFirstTokenMs());
    }
    LatencySketch duration = LatencySketch.of(durationMs);
    if (run.durationMs() != null) {
      duration.add(run.durationMs());
    }
    return new Rollup(
        runs + 1,
        failures + ("failed".equals(run.status()) ? 1 : 0),
        cancellations + ("cancelled".equals(run.status()) ? 1 : 0),
        inputTokens + run.inputTokens(),
        outputTokens + run.outputTokens(),
        ttft.toLatency(),
        duration.toLatency());
  }

  /**
   * This total as the topic's record of the window {@code [start, end)} of the group {@code
   * groupKey}.
   */
  UsageRollup toRecord(String granularity, Instant start, Instant end, String groupKey) {
    String[] parts = groupKey.split("/", 3);
    return new UsageRollup(
        UsageRollup.SCHEMA_VERSION,
        granularity,
        start,
        end,
        UUID.fromString(parts[0]),
        parts[1].equals("-") ? null : UUID.fromString(parts[1]),
        parts[2],
        runs,
        failures,
        cancellations,
        inputTokens,
        outputTokens,
        timeToFirstTokenMs,
        durationMs);
  }
}
