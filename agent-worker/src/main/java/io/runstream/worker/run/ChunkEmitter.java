package io.runstream.worker.run;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.RunRequested;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Emits one run's chunks: assigns each its {@code seq} (from the request's base, strictly increasing), exactly one
 * {@code run.started} first and nothing after {@code run.finished}.
 */
final class ChunkEmitter {
  private final ChunkSender producer;
  private final RunRequested request;
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private long nextSeq;
  private boolean started;
  private boolean finished;
  private Future<RecordMetadata> last;

  ChunkEmitter(ChunkSender producer, RunRequested request) {
    this.producer = producer;
    this.request = request;
    this.nextSeq = request.seqBase();
  }

  /** Emits a chunk of the run; ignored once the run has finished. */
  synchronized void emit(String part, ChunkData chunkData) {
    ChunkData data = chunkData;
    if (finished) {
      return;
    }
    if (!started && !(data instanceof ChunkData.RunStarted)) {
      throw new IllegalStateException("run.started must come first");
    }
    if (started && data instanceof ChunkData.RunStarted) {
      throw new IllegalStateException("run.started comes once");
    }
    // The first and the last record say whose run it is, for the topic's analytics consumers (usage roll-ups).
    if (data instanceof ChunkData.RunStarted started) {
      data = started.attributed(request.orgId(), request.userId());
    } else if (data instanceof ChunkData.RunFinished ended) {
      data = ended.attributed(request.orgId(), request.userId(), request.model());
    }
    RunChunk chunk = RunChunk.of(request.runId(), request.sessionId(), nextSeq, Instant.now(), part, data);
    // A send that throws at once leaves the sequence and the state as they were: the seq is not spent.
    last =
        producer.send(
            request.chunkTopicOrShared(),
            chunk,
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
    nextSeq++;
    started = true;
    finished = data.terminal();
  }

  /** The seq of the last chunk handed to the producer, or {@code seqBase - 1} if none. */
  synchronized long lastSeq() {
    return nextSeq - 1;
  }

  /** True once {@code run.finished} was emitted. */
  synchronized boolean finished() {
    return finished;
  }

  /** Waits until the broker acknowledged every chunk emitted so far; the first failure, if any, is thrown. */
  void awaitAcknowledged(long timeoutMs) throws Exception {
    Future<RecordMetadata> pending;
    synchronized (this) {
      pending = last;
    }
    if (pending != null) {
      try {
        pending.get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw (Exception) e.getCause();
      } catch (TimeoutException e) {
        throw e;
      }
    }
    Exception e = failure.get();
    if (e != null) {
      throw e;
    }
  }
}
