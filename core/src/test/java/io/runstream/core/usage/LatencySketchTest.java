package io.runstream.core.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class LatencySketchTest {

  private static long exact(long[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  @Test
  void shouldGiveQuantilesWithinOnePercentOfTheExactValues() {
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      int n = 1 + random.nextInt(5000);
      long[] values = new long[n];
      LatencySketch sketch = new LatencySketch();
      for (int i = 0; i < n; i++) {
        values[i] = (long) Math.exp(random.nextDouble() * 12); // 1 ms .. ~3 minutes, log-spread
        sketch.add(values[i]);
      }
      Arrays.sort(values);
      for (double q : new double[] {0.5, 0.95}) {
        long want = exact(values, q);
        assertThat((double) sketch.quantile(q))
            .as("n=%d q=%s", n, q)
            .isCloseTo(want, Offset.offset(want * 0.01 + 0.5));
      }
    }
  }

  @Test
  void shouldMergeAsIfTheValuesWereAddedToOneSketchAndSurviveItsRecordForm() {
    LatencySketch a = new LatencySketch().add(0).add(3).add(250).add(251);
    LatencySketch b = new LatencySketch().add(0).add(4000);
    LatencySketch all = new LatencySketch().add(0).add(3).add(250).add(251).add(0).add(4000);
    LatencySketch merged = LatencySketch.of(a.toLatency()).merge(LatencySketch.of(b.toLatency()));
    assertThat(merged.toLatency()).isEqualTo(all.toLatency());
    assertThat(merged.count()).isEqualTo(6);
    assertThat(merged.quantile(0)).isZero();
    assertThat(merged.quantile(1)).isBetween(3960L, 4040L);
    assertThat(new LatencySketch().quantile(0.5)).isNull();
  }
}
