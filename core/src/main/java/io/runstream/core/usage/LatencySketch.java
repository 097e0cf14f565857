package io.runstream.core.usage;

import io.runstream.schemas.UsageRollup;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A mergeable latency distribution with 1 % relative accuracy (logarithmic buckets, as DDSketch): a
 * bucket per factor {@code γ = 1.01/0.99} of milliseconds, so a window of any number of runs stays
 * a few hundred numbers, and windows combine by adding counts. Quantiles are read at rank {@code
 * floor(q·(n-1))}.
 */
public final class LatencySketch {
  private static final double ALPHA = 0.01;
  private static final double GAMMA = (1 + ALPHA) / (1 - ALPHA);
  private static final double LOG_GAMMA = Math.log(GAMMA);
  private static final String ZERO = "z";

  private final TreeMap<Integer, Long> bins = new TreeMap<>();
  private long zeros;
  private long count;

  /** Adds one value in milliseconds (negative values count as 0). */
  public LatencySketch add(long millis) {
    if (millis <= 0) {
      zeros++;
    } else {
      bins.merge(index(millis), 1L, Long::sum);
    }
    count++;
    return this;
  }

  /** Adds every value of another sketch. */
  public LatencySketch merge(LatencySketch other) {
    other.bins.forEach((index, n) -> bins.merge(index, n, Long::sum));
    zeros += other.zeros;
    count += other.count;
    return this;
  }

  /** How many values it holds. */
  public long count() {
    return count;
  }

  /** The value at quantile {@code q} (0..1), within 1 %; null when empty. */
  public Long quantile(double q) {
    if (count == 0) {
      return null;
    }
    long rank = (long) Math.floor(q * (count - 1));
    if (rank < zeros) {
      return 0L;
    }
    long seen = zeros;
    for (Map.Entry<Integer, Long> bin : bins.entrySet()) {
      seen += bin.getValue();
      if (rank < seen) {
        return Math.round(2 * Math.pow(GAMMA, bin.getKey()) / (GAMMA + 1));
      }
    }
    throw new IllegalStateException("rank beyond count");
  }

  /** The sketch as the roll-up record carries it. */
  public UsageRollup.Latency toLatency() {
    Map<String, Long> sketch = new HashMap<>();
    bins.forEach((index, n) -> sketch.put(Integer.toString(index), n));
    if (zeros > 0) {
      sketch.put(ZERO, zeros);
    }
    return new UsageRollup.Latency(count, quantile(0.5), quantile(0.95), sketch);
  }

  /** The sketch a roll-up record carries (its count is recomputed from the buckets). */
  public static LatencySketch of(UsageRollup.Latency latency) {
    LatencySketch sketch = new LatencySketch();
    if (latency == null) {
      return sketch;
    }
    latency
        .sketch()
        .forEach(
            (key, n) -> {
              if (n == null || n <= 0) {
                return;
              }
              if (key.equals(ZERO)) {
                sketch.zeros += n;
              } else {
                sketch.bins.merge(Integer.parseInt(key), n, Long::sum);
              }
              sketch.count += n;
            });
    return sketch;
  }

  private static int index(long millis) {
    return (int) Math.ceil(Math.log(millis) / LOG_GAMMA);
  }
}
