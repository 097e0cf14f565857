package io.runstream.fanout.hot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runstream.fanout.FanoutProperties;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HotRunsTest {
  private static FanoutProperties properties(int maxRuns, long maxBytes, int queue) {
    return new FanoutProperties(
        maxRuns,
        maxBytes,
        Duration.ofMinutes(10),
        queue,
        Duration.ofSeconds(15),
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
        Duration.ofSeconds(3));
  }

  private static RunChunk chunk(UUID run, long seq, ChunkData data) {
    return RunChunk.of(run, UUID.randomUUID(), seq, Instant.now(), "p", data);
  }

  private static void fullRun(HotRuns hot, UUID run, int deltas) {
    hot.append(chunk(run, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    for (int i = 0; i < deltas; i++) {
      hot.append(chunk(run, 2 + i, new ChunkData.TextDelta("word ")), 100);
    }
    hot.append(chunk(run, 2 + deltas, new ChunkData.RunFinished("completed", "stop")), 100);
  }

  @Test
  void shouldGiveAnAttachedReaderTheBacklogThenEveryLaterChunkWithoutGapOrDuplicate()
      throws Exception {
    HotRuns hot = new HotRuns(properties(100, 1 << 20, 100), new SimpleMeterRegistry());
    UUID run = UUID.randomUUID();
    hot.append(chunk(run, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    hot.append(chunk(run, 2, new ChunkData.TextDelta("a")), 100);
    hot.append(chunk(run, 3, new ChunkData.TextDelta("b")), 100);
    Attachment attachment = hot.attach(run, 1, null);
    assertThat(attachment.fromStart()).isTrue();
    assertThat(attachment.backlog()).extracting(HotChunk::seq).containsExactly(2L, 3L);
    hot.append(chunk(run, 3, new ChunkData.TextDelta("b")), 100); // a duplicate from a redelivery
    hot.append(chunk(run, 4, new ChunkData.TextDelta("c")), 100);
    List<HotChunk> live = new ArrayList<>();
    assertThat(attachment.reader().next(live, Duration.ofSeconds(1).toNanos())).isTrue();
    assertThat(live).extracting(HotChunk::seq).containsExactly(4L);
  }

  @Test
  void shouldCutOffAReaderThatFallsTooFarBehindWithoutBlockingTheAppender() {
    HotRuns hot = new HotRuns(properties(100, 1 << 24, 16), new SimpleMeterRegistry());
    UUID run = UUID.randomUUID();
    hot.append(chunk(run, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    Attachment slow = hot.attach(run, 1, null);
    Attachment fast = hot.attach(run, 1, null);
    for (int i = 0; i < 40; i++) {
      hot.append(chunk(run, 2 + i, new ChunkData.TextDelta("x")), 100);
      if (i % 8 == 0) {
        try {
          fast.reader().next(new ArrayList<>(), 1);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
    }
    assertThat(slow.reader().overflowed()).isTrue();
    assertThat(fast.reader().overflowed()).isFalse();
    hot.detach(slow);
  }

  @Test
  void shouldEvictFinishedIdleRunsFirstAndNeverARunWithReaders() {
    HotRuns hot = new HotRuns(properties(3, 1 << 24, 100), new SimpleMeterRegistry());
    UUID read = UUID.randomUUID();
    hot.append(chunk(read, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    Attachment reader = hot.attach(read, 0, null);
    UUID live = UUID.randomUUID();
    hot.append(chunk(live, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    UUID finished = UUID.randomUUID();
    fullRun(hot, finished, 2);
    UUID newest = UUID.randomUUID();
    hot.append(chunk(newest, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    // Over the limit of 3: the finished idle run goes first; the read one stays.
    assertThat(hot.attachIfPresent(finished, 0, null)).isNull();
    Attachment again = hot.attachIfPresent(read, 0, null);
    assertThat(again).isNotNull();
    hot.detach(again);
    hot.detach(reader);
  }

  @Test
  void shouldBoundMemoryByBytes() {
    HotRuns hot = new HotRuns(properties(10_000, 64 * 1024, 100), new SimpleMeterRegistry());
    for (int i = 0; i < 200; i++) {
      fullRun(hot, UUID.randomUUID(), 20);
    }
    assertThat(hot.size()).isLessThan(200);
  }

  /**
   * Issue #8: the lease reaper's error and finish take seqs {@code LeaseReaper.FENCE} past the last
   * logged chunk; a reader resuming from the reaper's error id must get the finish, not an empty
   * backlog.
   */
  @Test
  void shouldFindAResumedReadersPlaceBySeqAcrossTheReapersFence() {
    HotRuns hot = new HotRuns(properties(100, 1 << 20, 100), new SimpleMeterRegistry());
    UUID run = UUID.randomUUID();
    hot.append(chunk(run, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    hot.append(chunk(run, 2, new ChunkData.TextDelta("a")), 100);
    hot.append(chunk(run, 100_002, new ChunkData.Error("worker_lost", "lost", true)), 100);
    hot.append(chunk(run, 100_003, new ChunkData.RunFinished("failed", "error")), 100);

    assertThat(hot.attach(run, 100_002, null).backlog())
        .extracting(HotChunk::seq)
        .containsExactly(100_003L);
    assertThat(hot.attach(run, 1, null).backlog())
        .extracting(HotChunk::seq)
        .containsExactly(2L, 100_002L, 100_003L);
    assertThat(hot.attach(run, 50, null).backlog())
        .extracting(HotChunk::seq)
        .containsExactly(100_002L, 100_003L);
    assertThat(hot.attach(run, 100_003, null).backlog()).isEmpty();
  }

  /**
   * A chunk is rendered once per face, on arrival, for every reader of that face (not once per
   * reader).
   */
  @Test
  void shouldRenderEachArrivingChunkOnceForTheFacesOfTheAttachedReaders() throws Exception {
    HotRuns hot = new HotRuns(properties(100, 1 << 20, 100), new SimpleMeterRegistry());
    UUID run = UUID.randomUUID();
    AtomicInteger renders = new AtomicInteger();
    Function<RunChunk, byte[]> render =
        chunk -> {
          renders.incrementAndGet();
          return ("event " + chunk.seq()).getBytes(StandardCharsets.UTF_8);
        };
    List<Attachment> readers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      readers.add(hot.attach(run, 0, new HotChunk.Prerender(2, render)));
    }
    hot.append(chunk(run, 1, new ChunkData.RunStarted(UUID.randomUUID(), null)), 100);
    hot.append(chunk(run, 2, new ChunkData.TextDelta("a")), 100);
    assertThat(renders.get()).isEqualTo(2);
    for (Attachment reader : readers) {
      List<HotChunk> got = new ArrayList<>();
      assertThat(reader.reader().next(got, 1_000_000_000L)).isTrue();
      for (HotChunk chunk : got) {
        assertThat(new String(chunk.rendered(2, render), StandardCharsets.UTF_8))
            .isEqualTo("event " + chunk.seq());
      }
    }
    assertThat(renders.get()).as("no reader rendered again").isEqualTo(2);
  }
}
