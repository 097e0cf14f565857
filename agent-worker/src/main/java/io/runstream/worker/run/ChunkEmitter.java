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
 * Emits one run's chunks: assigns each its {@code seq} (from the request's base, strictly
 * increasing), exactly one {@code run.started} first and nothing after {@code run.finished}. It
 * keeps what the run's end records (the message's text, the last usage and error), so that the end
 * can be stored before the last chunk is produced ({@link #emitEnd}).
 */
final class ChunkEmitter {
  private final ChunkSender producer;
  private final RunRequested request;
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final StringBuilder text = new StringBuilder();
  private ChunkData.Usage usage;
  private ChunkData.Error error;
  private long nextSeq;
  private boolean started;
  private boolean finished;
  private Future<RecordMetadata> last;

  ChunkEmitter(ChunkSender producer, RunRequested request) {
    this.producer = producer;
    this.request = request;
    this.nextSeq = request.seqBase();
  }

  /**
   * The emitter of a parked run that goes on (issue #27): its {@code run.started} was emitted, its
   * next chunk takes {@code nextSeq}, and its message's text so far is {@code text}.
   */
  ChunkEmitter(ChunkSender producer, RunRequested request, long nextSeq, String text) {
    this(producer, request);
    this.nextSeq = nextSeq;
    this.text.append(text == null ? "" : text);
    this.started = true;
  }

  /** The seq the next chunk takes. */
  synchronized long nextSeq() {
    return nextSeq;
  }

  /** The agent message's text so far. */
  synchronized String text() {
    return text.toString();
  }

  /**
   * A run's end as its chunks tell it, known before its {@code run.finished} is produced.
   *
   * @param request the run
   * @param end the {@code run.finished} about to be produced (attributed)
   * @param lastSeq the seq it takes: the run's last event id
   * @param finishedAt its time
   * @param text the agent message's text: every text delta of the run
   * @param usage the last usage emitted, or null
   * @param error the last error emitted, or null
   */
  record End(
      RunRequested request,
      ChunkData.RunFinished end,
      long lastSeq,
      Instant finishedAt,
      String text,
      ChunkData.Usage usage,
      ChunkData.Error error) {}

  /** What is told the run's end before its last chunk is produced. */
  interface EndListener {
    /**
     * Called before {@code run.finished} is produced; nothing of the run is produced until it
     * returns.
     */
    void ending(End end);
  }

  /** Emits a chunk of the run; ignored once the run has finished. */
  synchronized void emit(String part, ChunkData chunkData) {
    if (finished) {
      return;
    }
    send(part, chunkData, Instant.now());
  }

  /**
   * Emits the run's {@code run.finished}, first telling {@code listener} the end it makes (its seq,
   * time, the text, usage and error emitted so far); ignored once the run has finished.
   */
  synchronized void emitEnd(ChunkData.RunFinished end, EndListener listener) {
    if (finished) {
      return;
    }
    if (!started) {
      throw new IllegalStateException("run.started must come first");
    }
    ChunkData.RunFinished attributed =
        end.attributed(request.orgId(), request.userId(), request.model());
    Instant now = Instant.now();
    listener.ending(new End(request, attributed, nextSeq, now, text.toString(), usage, error));
    send(null, attributed, now);
  }

  private void send(String part, ChunkData chunkData, Instant ts) {
    ChunkData data = chunkData;
    if (!started && !(data instanceof ChunkData.RunStarted)) {
      throw new IllegalStateException("run.started must come first");
    }
    if (started && data instanceof ChunkData.RunStarted) {
      throw new IllegalStateException("run.started comes once");
    }
    // The first and the last record say whose run it is, for the topic's analytics consumers (usage
    // roll-ups).
    if (data instanceof ChunkData.RunStarted runStarted) {
      data = runStarted.attributed(request.orgId(), request.userId());
    } else if (data instanceof ChunkData.RunFinished ended && ended.orgId() == null) {
      data = ended.attributed(request.orgId(), request.userId(), request.model());
    }
    RunChunk chunk = RunChunk.of(request.runId(), request.sessionId(), nextSeq, ts, part, data);
    // A send that throws at once leaves the sequence and the state as they were: the seq is not
    // spent.
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
    switch (data) {
      case ChunkData.TextDelta delta -> text.append(delta.delta());
      case ChunkData.Usage spent -> usage = spent;
      case ChunkData.Error failed -> error = failed;
      default -> {}
    }
  }

  /** The seq of the last chunk handed to the producer, or {@code seqBase - 1} if none. */
  synchronized long lastSeq() {
    return nextSeq - 1;
  }

  /** True once {@code run.finished} was emitted. */
  synchronized boolean finished() {
    return finished;
  }

  /**
   * Waits until the broker acknowledged every chunk emitted so far; the first failure, if any, is
   * thrown.
   */
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
