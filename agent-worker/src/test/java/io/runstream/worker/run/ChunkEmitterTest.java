package io.runstream.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.RunRequested;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ChunkEmitterTest {
  private final List<RunChunk> sent = new ArrayList<>();
  private final ChunkSender sender =
      (topic, chunk, callback) -> {
        sent.add(chunk);
        RecordMetadata metadata =
            new RecordMetadata(new TopicPartition("t", 0), 0, sent.size(), 0, 0, 0);
        callback.onCompletion(metadata, null);
        return CompletableFuture.completedFuture(metadata);
      };

  private static RunRequested request(long base) {
    return new RunRequested(
        1,
        UUID.randomUUID(),
        UUID.randomUUID(),
        UUID.randomUUID(),
        UUID.randomUUID(),
        UUID.randomUUID(),
        UUID.randomUUID(),
        "hi",
        null,
        new RunRequested.ModelRef("simulated", "sim-1"),
        base,
        null,
        null,
        Instant.now(),
        null);
  }

  @Test
  void shouldNumberChunksFromTheBaseWithoutGaps() throws Exception {
    ChunkEmitter emitter = new ChunkEmitter(sender, request(13));
    emitter.emit(null, new ChunkData.RunStarted(UUID.randomUUID(), null));
    emitter.emit("p", new ChunkData.TextStart());
    emitter.emit("p", new ChunkData.TextDelta("x"));
    emitter.emit(null, new ChunkData.RunFinished("completed", "stop"));
    emitter.awaitAcknowledged(1000);
    assertThat(sent).extracting(RunChunk::seq).containsExactly(13L, 14L, 15L, 16L);
  }

  @Test
  void shouldRequireRunStartedFirstAndOnlyOnce() {
    ChunkEmitter emitter = new ChunkEmitter(sender, request(1));
    assertThatThrownBy(() -> emitter.emit("p", new ChunkData.TextDelta("x")))
        .isInstanceOf(IllegalStateException.class);
    emitter.emit(null, new ChunkData.RunStarted(UUID.randomUUID(), null));
    assertThatThrownBy(() -> emitter.emit(null, new ChunkData.RunStarted(UUID.randomUUID(), null)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldDiscardAnythingAfterRunFinished() {
    ChunkEmitter emitter = new ChunkEmitter(sender, request(1));
    emitter.emit(null, new ChunkData.RunStarted(UUID.randomUUID(), null));
    emitter.emit(null, new ChunkData.RunFinished("failed", "error"));
    emitter.emit(null, new ChunkData.Error("late", "late", false));
    assertThat(sent).hasSize(2);
    assertThat(emitter.finished()).isTrue();
  }

  /**
   * Issue #27 item 2: the end is told before run.finished is produced, with the seq and time it
   * takes.
   */
  @Test
  void shouldTellTheRunsEndBeforeProducingItsLastChunk() {
    RunRequested request = request(20);
    ChunkEmitter emitter = new ChunkEmitter(sender, request);
    emitter.emit(null, new ChunkData.RunStarted(UUID.randomUUID(), null));
    emitter.emit("p", new ChunkData.TextStart());
    emitter.emit("p", new ChunkData.TextDelta("Hello, "));
    emitter.emit(null, new ChunkData.Error("context_unavailable", "no context", false));
    emitter.emit("p", new ChunkData.TextDelta("world"));
    emitter.emit(null, new ChunkData.Usage("sim-1", 10, 2));
    List<ChunkEmitter.End> told = new ArrayList<>();
    emitter.emitEnd(
        new ChunkData.RunFinished("cancelled", "abort"),
        end -> {
          assertThat(sent).as("nothing produced before the end is stored").hasSize(6);
          told.add(end);
        });
    assertThat(told)
        .singleElement()
        .satisfies(
            end -> {
              assertThat(end.lastSeq()).isEqualTo(26);
              assertThat(end.text()).isEqualTo("Hello, world");
              assertThat(end.usage().outputTokens()).isEqualTo(2);
              assertThat(end.error().code()).isEqualTo("context_unavailable");
              assertThat(end.end().status()).isEqualTo("cancelled");
              assertThat(end.end().orgId()).isEqualTo(request.orgId());
            });
    assertThat(sent.getLast().seq()).isEqualTo(26);
    assertThat(sent.getLast().ts()).isEqualTo(told.getFirst().finishedAt());
    assertThat(sent.getLast().data()).isEqualTo(told.getFirst().end());
    emitter.emitEnd(new ChunkData.RunFinished("failed", "error"), end -> told.add(end));
    assertThat(told).as("a second end is ignored").hasSize(1);
  }

  @Test
  void shouldReportTheFirstSendFailure() {
    ChunkSender failing =
        (topic, chunk, callback) -> {
          callback.onCompletion(null, new IllegalStateException("broker down"));
          return CompletableFuture.failedFuture(new IllegalStateException("broker down"));
        };
    ChunkEmitter emitter = new ChunkEmitter(failing, request(1));
    emitter.emit(null, new ChunkData.RunStarted(UUID.randomUUID(), null));
    assertThatThrownBy(() -> emitter.awaitAcknowledged(1000)).hasMessageContaining("broker down");
  }
}
