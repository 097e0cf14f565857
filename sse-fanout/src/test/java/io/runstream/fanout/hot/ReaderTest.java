package io.runstream.fanout.hot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runstream.fanout.FanoutProperties;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A reader parks without a timeout: chunks wake it, the heartbeat tick ends its wait, overflow cuts
 * it off.
 */
class ReaderTest {
  private static final UUID RUN = UUID.randomUUID();
  private static final UUID SESSION = UUID.randomUUID();

  private static HotRuns hot(int queue, Duration heartbeat) {
    return new HotRuns(
        new FanoutProperties(
            100,
            1 << 24,
            Duration.ofMinutes(10),
            queue,
            heartbeat,
            Duration.ofSeconds(1),
            Duration.ofMinutes(5),
            Duration.ofMinutes(2),
            Duration.ofSeconds(5),
            100,
            Duration.ofMillis(10),
            Duration.ofMinutes(5),
            10_000,
            256,
            5000,
            Duration.ofSeconds(3)),
        new SimpleMeterRegistry());
  }

  private static RunChunk delta(long seq) {
    return new RunChunk(
        1, RUN, SESSION, seq, Instant.now(), null, new ChunkData.TextDelta("t" + seq));
  }

  @Test
  void shouldWakeForEveryChunkInOrderAcrossManyWaits() throws Exception {
    HotRuns hot = hot(10_000, Duration.ofSeconds(15));
    hot.append(delta(1), 10);
    Attachment attachment = hot.attach(RUN, 1, null);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<List<Long>> read =
          pool.submit(
              () -> {
                List<Long> seqs = new ArrayList<>();
                List<HotChunk> batch = new ArrayList<>();
                while (seqs.size() < 2000) {
                  batch.clear();
                  if (attachment.reader().next(batch, TimeUnit.SECONDS.toNanos(10))) {
                    batch.forEach(chunk -> seqs.add(chunk.seq()));
                  }
                }
                return seqs;
              });
      for (long seq = 2; seq <= 2001; seq++) {
        hot.append(delta(seq), 10);
      }
      List<Long> seqs = read.get(20, TimeUnit.SECONDS);
      assertThat(seqs).hasSize(2000);
      for (int i = 0; i < seqs.size(); i++) {
        assertThat(seqs.get(i)).isEqualTo(i + 2L);
      }
    } finally {
      hot.detach(attachment);
      hot.destroy();
    }
  }

  @Test
  void shouldReturnEmptyWhenItsWaitIsOverAndBeCutOffWhenItFallsBehind() throws Exception {
    HotRuns hot = hot(4, Duration.ofMillis(200));
    hot.append(delta(1), 10);
    Attachment attachment = hot.attach(RUN, 1, null);
    try {
      long started = System.nanoTime();
      List<HotChunk> batch = new ArrayList<>();
      assertThat(attachment.reader().next(batch, TimeUnit.MILLISECONDS.toNanos(200))).isFalse();
      assertThat(batch).isEmpty();
      assertThat(System.nanoTime() - started)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
      for (long seq = 2; seq <= 7; seq++) {
        hot.append(delta(seq), 10);
      }
      assertThat(attachment.reader().overflowed()).isTrue();
      assertThat(attachment.reader().next(batch, TimeUnit.MILLISECONDS.toNanos(200))).isFalse();
    } finally {
      hot.detach(attachment);
      hot.destroy();
    }
  }

  @Test
  void shouldWakeAListenedReaderOnceAtATimeForEveryChunkAndForItsHeartbeat() throws Exception {
    HotRuns hot = hot(10_000, Duration.ofMillis(200));
    hot.append(delta(1), 10);
    Attachment attachment = hot.attach(RUN, 1, null);
    Reader reader = attachment.reader();
    List<Long> seqs = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger heartbeats = new AtomicInteger();
    Runnable drain =
        () -> {
          if (running.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
          }
          List<HotChunk> batch = new ArrayList<>();
          do {
            batch.clear();
            if (reader.poll(batch)) {
              batch.forEach(chunk -> seqs.add(chunk.seq()));
              reader.due(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            } else if (reader.isDue(System.nanoTime())) {
              heartbeats.incrementAndGet();
              reader.due(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            }
            running.decrementAndGet();
            if (!reader.settle()) {
              return;
            }
            running.incrementAndGet();
          } while (true);
        };
    try {
      reader.listen(
          () -> Thread.ofVirtual().start(drain),
          System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
      for (long seq = 2; seq <= 5001; seq++) {
        hot.append(delta(seq), 10);
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seqs.size() == 5000);
      for (int i = 0; i < seqs.size(); i++) {
        assertThat(seqs.get(i)).isEqualTo(i + 2L);
      }
      assertThat(overlaps.get()).as("wake-ups running at the same time").isZero();
      // Quiet now: the heartbeat tick wakes it about every 200 ms.
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> heartbeats.get() >= 3);
    } finally {
      hot.detach(attachment);
      hot.destroy();
    }
  }
}
