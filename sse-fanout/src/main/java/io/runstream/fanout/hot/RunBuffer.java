package io.runstream.fanout.hot;

import io.runstream.schemas.ChunkData;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One run's chunks in memory, in seq order, with the readers attached to it. Guarded by its own
 * monitor.
 */
final class RunBuffer {
  final UUID runId;
  private final List<HotChunk> chunks = new ArrayList<>();
  private final List<Reader> readers = new ArrayList<>(2);

  /**
   * The renderings of the faces whose readers attached, made as chunks arrive (at most one per
   * slot).
   */
  private final List<HotChunk.Prerender> prerenders = new ArrayList<>(1);

  private boolean fromStart;
  private boolean finished;
  private long bytes;
  private long touchedNanos = System.nanoTime();
  private long finishedNanos;
  private boolean retired;

  RunBuffer(UUID runId) {
    this.runId = runId;
  }

  /**
   * Appends a chunk in order; duplicates and anything after the end are dropped. Returns bytes
   * added.
   */
  synchronized long append(HotChunk chunk) {
    if (finished) {
      return 0;
    }
    if (!chunks.isEmpty() && chunk.seq() <= chunks.getLast().seq()) {
      return 0;
    }
    if (chunks.isEmpty() && chunk.chunk().data() instanceof ChunkData.RunStarted) {
      fromStart = true;
    }
    chunks.add(chunk);
    long added = chunk.bytes();
    bytes += added;
    touchedNanos = System.nanoTime();
    if (chunk.chunk().terminal()) {
      finished = true;
      finishedNanos = touchedNanos;
    }
    for (HotChunk.Prerender prerender : prerenders) {
      chunk.rendered(prerender.slot(), prerender.render());
    }
    for (Reader reader : readers) {
      reader.offer(chunk);
    }
    return added;
  }

  /**
   * Attaches a reader atomically: the backlog (seq above {@code after}) is copied and the reader
   * registered under one lock, so nothing is missed or repeated between the two.
   */
  synchronized Attachment attach(long after, int queueCapacity, HotChunk.Prerender prerender) {
    if (retired) {
      return null;
    }
    if (prerender != null && prerenders.stream().noneMatch(p -> p.slot() == prerender.slot())) {
      prerenders.add(prerender);
    }
    touchedNanos = System.nanoTime();
    List<HotChunk> backlog = List.of();
    if (!chunks.isEmpty()) {
      // Found by search, not arithmetic: a run's seqs are contiguous except where the lease reaper
      // fenced off a lost
      // worker's output (its error and finish take seqs LeaseReaper.FENCE past the last logged
      // chunk).
      int from = firstAbove(after);
      backlog = List.copyOf(chunks.subList(from, chunks.size()));
    }
    Reader reader = new Reader(queueCapacity);
    if (!finished) {
      readers.add(reader);
    }
    long firstSeq = chunks.isEmpty() ? Long.MAX_VALUE : chunks.getFirst().seq();
    long lastSeq = chunks.isEmpty() ? -1 : chunks.getLast().seq();
    return new Attachment(this, reader, backlog, fromStart, firstSeq, lastSeq, finished);
  }

  /**
   * The index of the first chunk with seq above {@code after} (the size if none); chunks are in seq
   * order.
   */
  private int firstAbove(long after) {
    int low = 0;
    int high = chunks.size();
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (chunks.get(middle).seq() <= after) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** Wakes the readers whose wait is over (the heartbeat tick). */
  synchronized void wakeDue(long now) {
    for (Reader reader : readers) {
      reader.wakeIfDue(now);
    }
  }

  synchronized void detach(Reader reader) {
    readers.remove(reader);
    reader.close();
    touchedNanos = System.nanoTime();
  }

  /**
   * Retires the buffer if no reader is attached; a retired buffer takes no more readers. True only
   * for the call that retired it, so that its bytes are released exactly once.
   */
  synchronized boolean retireIfIdle() {
    if (retired || !readers.isEmpty()) {
      return false;
    }
    retired = true;
    return true;
  }

  synchronized boolean idle() {
    return readers.isEmpty();
  }

  synchronized boolean finished() {
    return finished;
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized long touchedNanos() {
    return touchedNanos;
  }

  synchronized long finishedNanos() {
    return finishedNanos;
  }

  synchronized int readerCount() {
    return readers.size();
  }
}
