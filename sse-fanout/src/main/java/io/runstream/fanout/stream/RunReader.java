package io.runstream.fanout.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.hot.Attachment;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.hot.HotRuns;
import io.runstream.fanout.hot.Reader;
import io.runstream.fanout.hot.Wakes;
import io.runstream.fanout.tail.ChunkTail;
import io.runstream.fanout.warm.KafkaReplay;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reads one run for one reader from {@code after} on: exactly the chunks with a higher seq, in
 * order, then the live tail, up to the run's terminal chunk; it renders nothing (a {@link Delivery}
 * does). The hot tier serves what memory holds; a live run's missing start is read back from Kafka
 * (warm), a finished run's from the PostgreSQL chunk log (cold). A run's seqs are contiguous (but
 * for the lease reaper's fence), so a gap between what memory holds and what the reader needs is
 * seen at once and filled from Kafka or the log (waiting briefly for the sink). On every heartbeat
 * the run's row is read again, so that a run which ended without its last chunk reaching this node
 * (a lost worker) still ends its readers.
 *
 * <p>A run's row says it has ended before its last chunks are in the log: the worker stores a run's
 * end before it produces its {@code run.finished} (issue #27, "read your own end"), and the sink
 * logs the chunks after that. So a finished run is read from the log alone only once the log holds
 * its last chunk ({@code last_seq}); until then it is read as a live run is (memory, Kafka, the
 * live tail), and nothing is stepped over as "never produced". If its last chunk never comes (its
 * worker died between storing the end and producing it), Kafka says so once the end is older than
 * {@code log-catch-up}, and the reader is given the end the row tells.
 */
@Component
public class RunReader {
  private static final Logger LOG = LoggerFactory.getLogger(RunReader.class);
  private static final int LOG_PAGE = 1000;
  private static final long LOG_POLL_MS = 20;

  private final HotRuns hot;
  private final ChunkLogStore log;
  private final RunStore runs;
  private final KafkaReplay kafka;
  private final ChunkTail tail;
  private final FanoutProperties properties;
  private final AtomicInteger streams = new AtomicInteger();
  private final Timer delivery;

  public RunReader(
      HotRuns hot,
      ChunkLogStore log,
      RunStore runs,
      KafkaReplay kafka,
      ChunkTail tail,
      FanoutProperties properties,
      MeterRegistry meters) {
    this.hot = hot;
    this.log = log;
    this.runs = runs;
    this.kafka = kafka;
    this.tail = tail;
    this.properties = properties;
    meters.gauge("runstream.fanout.streams.live", streams);
    this.delivery =
        Timer.builder("runstream.fanout.delivery.latency")
            .description(
                "chunk produce timestamp to written to the socket, live events only; once per flush, of"
                    + " the oldest event flushed")
            .publishPercentileHistogram()
            .publishPercentiles(0.5, 0.99)
            .register(meters);
  }

  /** A reader about to be served; {@link #read} serves it, and releases it whatever happens. */
  public final class Opened {
    private final RunRow run;
    private final long after;
    private final Attachment attachment;

    private Opened(RunRow run, long after, Attachment attachment) {
      this.run = run;
      this.after = after;
      this.attachment = attachment;
    }
  }

  /**
   * Opens a reader of the run after {@code after}, or answers null when the reader already has the
   * run's last event (the caller then answers 204), as known from the run's row or from memory.
   */
  public Opened open(RunRow run, long after, HotChunk.Prerender prerender) {
    long from = Math.max(after, run.seqBase() - 1);
    if (run.status().terminal() && run.lastSeq() != null && from >= run.lastSeq()) {
      return null;
    }
    if (!run.status().terminal() && run.chunkTopic() != null) {
      tail.follow(run.chunkTopic());
    }
    Attachment attachment =
        run.status().terminal()
            ? hot.attachIfPresent(run.id(), from, prerender)
            : hot.attach(run.id(), from, prerender);
    if (attachment == null && !endLogged(run) && !endOverdue(run, properties.logCatchUp())) {
      // Ended, its last chunks still on their way to this node and the log: they come live.
      if (run.chunkTopic() != null) {
        tail.follow(run.chunkTopic());
      }
      attachment = hot.attach(run.id(), from, prerender);
    }
    if (attachment != null && attachment.finished() && from >= attachment.lastSeq()) {
      hot.detach(attachment);
      return null;
    }
    return new Opened(run, from, attachment);
  }

  /** Releases an opened reader that will not be read (its client went away first). */
  public void release(Opened opened) {
    if (opened.attachment != null) {
      hot.detach(opened.attachment);
    }
  }

  /**
   * How a stream goes on once it has caught up, without a thread of its own (issue #12: an idle
   * stream holds no parked thread): {@link #suspend} frees the request's thread, and the reader's
   * chunks and heartbeats are then written by short-lived virtual threads, one at a time, as they
   * come.
   */
  public interface Continuation {
    /**
     * Frees the request's thread (the request stays open); false when this request cannot be
     * suspended, and the stream is then read on the caller's thread. {@code gone} is called when
     * the connection fails meanwhile.
     */
    boolean suspend(Runnable gone);

    /**
     * The suspended stream has ended, however it ended; called once, on any thread. What was
     * written reaches the client before the request completes.
     */
    void ended(End end);

    /**
     * Whether the suspended stream's output holds nothing the client has yet to take: a reader then
     * writes its chunks without waiting (writes of a suspended stream never wait, ADR 0022).
     */
    boolean writable();

    /** Runs {@code action} once the output is {@link #writable} (at once if it is). */
    void whenWritable(Runnable action);

    /** Waits until the output is {@link #writable}: for a reader on a thread of its own. */
    void awaitWritable() throws IOException;
  }

  /**
   * Delivers an opened reader's chunks: what it lacks on the caller's thread, then the live run
   * through {@code continuation} if there is one and it suspends ({@link End#SUSPENDED}; its {@code
   * ended} tells the end), else on the caller's thread until the run finishes, the client goes or
   * it is cut off.
   */
  public End read(Opened opened, Delivery out, Continuation continuation) {
    streams.incrementAndGet();
    Attachment attachment = opened.attachment;
    Cursor cursor = new Cursor(opened.run, opened.after, out);
    boolean suspended = false;
    try {
      if (attachment == null
          || !attachment.fromStart() && firstNeeded(attachment) > cursor.expected) {
        // Memory does not hold the start of what this reader needs: a live run is read back from
        // Kafka (warm), a
        // finished one from the chunk log (cold); whatever the warm read could not give, the log
        // does.
        if (!cursor.logComplete()) {
          // Produced: memory holds a later chunk, or the run has ended (not a run yet to start,
          // whose reader comes right after its POST).
          boolean produced =
              attachment != null
                  ? attachment.firstSeq() != Long.MAX_VALUE
                  : cursor.run.status().terminal();
          cursor.fillFromKafka(
              attachment == null ? Long.MAX_VALUE : firstNeeded(attachment) - 1, produced);
        }
        cursor.fillFromLog(Long.MAX_VALUE, 0);
        if (cursor.done) {
          out.caughtUp();
          return End.FINISHED;
        }
        if (attachment == null) {
          End end = cursor.endOfTerminalRun();
          out.caughtUp();
          return end;
        }
      }
      boolean goesOn = cursor.write(attachment.backlog(), false);
      // What the reader was behind by is written; from here on every chunk comes live, one by one.
      out.caughtUp();
      if (!goesOn || attachment.finished()) {
        return cursor.end();
      }
      long heartbeat = properties.heartbeat().toNanos();
      if (continuation != null) {
        Live live = new Live(attachment, cursor, out, continuation, heartbeat);
        if (continuation.suspend(live::gone)) {
          suspended = true;
          attachment.reader().listen(live::wake, System.nanoTime() + heartbeat);
          return End.SUSPENDED;
        }
      }
      List<HotChunk> batch = new ArrayList<>();
      while (true) {
        batch.clear();
        boolean got = attachment.reader().next(batch, heartbeat);
        End ended = deliver(attachment.reader(), batch, got, cursor, out);
        if (ended != null) {
          return ended;
        }
      }
    } catch (IOException e) {
      return End.CLIENT_GONE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return End.CLIENT_GONE;
    } finally {
      if (!suspended) {
        if (attachment != null) {
          hot.detach(attachment);
        }
        streams.decrementAndGet();
      }
    }
  }

  /**
   * A suspended stream. A wake-up caused by the chunk tail's thread runs {@link #drainInline} once
   * the tail's poll is buffered ({@link Wakes}): the chunks that came are written without waiting,
   * on that thread (ADR 0022). Whatever may wait, a heartbeat's look at the run's row, a gap the
   * log or Kafka fills, the client gone, runs {@link #drain} on a virtual thread of its own, as
   * every wake-up did before. One drain at a time runs for a reader (the reader's wake-up
   * protocol); a drain whose output still holds frames for the client stays the reader's drain and
   * goes on when the client has taken them. No thread waits in between.
   */
  private final class Live {
    private final Attachment attachment;
    private final Cursor cursor;
    private final Delivery out;
    private final Continuation continuation;
    private final long heartbeat;
    private final List<HotChunk> batch = new ArrayList<>();
    private volatile boolean gone;
    private boolean ended;

    Live(
        Attachment attachment,
        Cursor cursor,
        Delivery out,
        Continuation continuation,
        long heartbeat) {
      this.attachment = attachment;
      this.cursor = cursor;
      this.out = out;
      this.continuation = continuation;
      this.heartbeat = heartbeat;
    }

    /** Called by the reader (under its run's lock): must not block. */
    void wake() {
      if (!Wakes.defer(this::drainInline)) {
        onThread();
      }
    }

    private void onThread() {
      Thread.ofVirtual().name("sse-live").start(this::drain);
    }

    void gone() {
      gone = true;
      attachment.reader().kick();
    }

    /**
     * A wake-up on a thread that must not wait: the queued chunks are written if they follow what
     * the reader was sent and the output has room; anything else goes to {@link #drain}.
     */
    private void drainInline() {
      Reader reader = attachment.reader();
      try {
        do {
          if (gone || reader.overflowed() || reader.isDue(System.nanoTime())) {
            onThread();
            return;
          }
          if (!continuation.writable()) {
            // The client has yet to take what was written: this drain goes on when it has.
            continuation.whenWritable(this::drainInline);
            return;
          }
          batch.clear();
          if (reader.poll(batch)) {
            if (!cursor.follows(batch)) {
              onThread(); // a gap: the log or Kafka fills it; the batch is written by drain
              return;
            }
            if (!deliverBatch(reader, true)) {
              return;
            }
          }
        } while (reader.settle());
      } catch (IOException e) {
        end(End.CLIENT_GONE);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    private void drain() {
      Reader reader = attachment.reader();
      try {
        do {
          if (gone) {
            end(End.CLIENT_GONE);
            return;
          }
          // A batch an inline wake-up took and could not write (a gap) is written first.
          boolean got = !batch.isEmpty() || reader.poll(batch);
          if (got || reader.overflowed() || reader.isDue(System.nanoTime())) {
            if (!deliverBatch(reader, got)) {
              return;
            }
            continuation.awaitWritable();
          }
        } while (reader.settle());
      } catch (IOException e) {
        end(End.CLIENT_GONE);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    /**
     * Writes the wake-up's batch (or, when it took none, a heartbeat) and sets the next heartbeat;
     * false once the stream has ended.
     */
    private boolean deliverBatch(Reader reader, boolean got) throws IOException {
      End over = deliver(reader, batch, got, cursor, out);
      batch.clear();
      if (over != null) {
        end(over);
        return false;
      }
      reader.due(System.nanoTime() + heartbeat);
      return true;
    }

    /**
     * E.g. the database failing on a gap or a heartbeat's recheck: the stream ends, the client
     * resumes by its id.
     */
    private void failed(RuntimeException e) {
      LOG.warn(
          "Run {}: a live stream failed ({}); it ends and the client resumes",
          cursor.run.id(),
          e.toString());
      end(End.CUT_OFF);
    }

    private void end(End end) {
      if (ended) {
        return;
      }
      ended = true;
      batch.clear();
      try {
        hot.detach(attachment);
        streams.decrementAndGet();
      } finally {
        continuation.ended(end);
      }
    }
  }

  /**
   * One wake-up of a live reader, waited for or suspended alike: the chunks it took are written,
   * or, when its wait is over with none, a heartbeat and a look at the run's row. Returns how the
   * stream ends, or null to go on.
   */
  private static End deliver(
      Reader reader, List<HotChunk> batch, boolean got, Cursor cursor, Delivery out)
      throws IOException {
    if (reader.overflowed()) {
      return End.CUT_OFF;
    }
    if (!got) {
      out.idle();
      return cursor.recheckRun();
    }
    return cursor.write(batch, true) ? null : cursor.end();
  }

  /**
   * Whether an ended run's last chunk ({@code last_seq}) is in the chunk log; true for a run
   * without one (failed before it was published) and false for a live run.
   */
  private boolean endLogged(RunRow run) {
    if (!run.status().terminal()) {
      return false;
    }
    if (run.lastSeq() == null || run.lastSeq() < run.seqBase()) {
      return true;
    }
    List<RunChunk> last = log.read(run.id(), run.lastSeq() - 1, 1);
    return !last.isEmpty() && last.getFirst().seq() == run.lastSeq();
  }

  /** Whether the run ended more than {@code wait} ago, by its row. */
  private static boolean endOverdue(RunRow run, Duration wait) {
    return run.finishedAt() == null || run.finishedAt().plus(wait).isBefore(Instant.now());
  }

  private static long firstNeeded(Attachment attachment) {
    return attachment.backlog().isEmpty()
        ? attachment.firstSeq()
        : attachment.backlog().getFirst().seq();
  }

  /** What one reader has been sent. */
  private final class Cursor {
    private RunRow run;
    private final Delivery out;
    private long expected;
    private boolean done;
    private boolean nothingLeft;
    private boolean logComplete;

    Cursor(RunRow run, long after, Delivery out) {
      this.run = run;
      this.out = out;
      this.expected = after + 1;
    }

    End end() {
      if (done) {
        return End.FINISHED;
      }
      return nothingLeft ? End.NOTHING_LEFT : End.CUT_OFF;
    }

    /**
     * After the log (and, while the log lacks its end, Kafka) was read for a finished run that
     * memory does not hold. A run whose last chunk is in neither, long after its end, never had it
     * produced (its worker died between storing the end and producing it, or the broker did not
     * take it): its reader is given the end its row tells, with the row's last id, rather than
     * being cut off again at every reconnection.
     */
    End endOfTerminalRun() throws IOException {
      if (run.lastSeq() != null && expected > run.lastSeq()) {
        return End.NOTHING_LEFT;
      }
      if (run.lastSeq() != null
          && !logComplete()
          && endOverdue(run, properties.logCatchUp())
          && KafkaReplay.locatable(run)) {
        emit(
            HotChunk.of(
                RunChunk.of(
                    run.id(),
                    run.sessionId(),
                    run.lastSeq(),
                    run.finishedAt(),
                    null,
                    new ChunkData.RunFinished(run.status().wire(), run.finishReason()))));
        out.flush();
        return End.FINISHED;
      }
      return End.CUT_OFF;
    }

    /**
     * Delivers the chunks in order, filling gaps from the log; false once the stream must end. Live
     * writes record the delivery latency once per flush, of the oldest event flushed (the worst of
     * the batch): recording every event for every reader cost a fifth of the write path at 100
     * readers of one fast run (profiled: the percentile histograms under contention).
     */
    boolean write(List<HotChunk> chunks, boolean live) throws IOException {
      long oldest = Long.MAX_VALUE;
      for (HotChunk chunk : chunks) {
        if (done) {
          break;
        }
        if (chunk.seq() < expected) {
          if (chunk.chunk().terminal()) {
            // The reader already had the end (it resumed at or past it): nothing more will come.
            nothingLeft = true;
            return false;
          }
          continue;
        }
        if (chunk.seq() > expected) {
          if (!logComplete()) {
            fillFromKafka(chunk.seq() - 1, true);
          }
          if (chunk.seq() > expected && fencedEnd(chunk)) {
            expected = chunk.seq();
          }
          if (chunk.seq() > expected
              && !fillFromLog(chunk.seq() - 1, properties.logCatchUp().toNanos())) {
            return false;
          }
        }
        emit(chunk);
        if (live) {
          oldest = Math.min(oldest, chunk.chunk().ts().toEpochMilli());
        }
      }
      out.flush();
      if (oldest != Long.MAX_VALUE) {
        delivery.record(Math.max(0, System.currentTimeMillis() - oldest), TimeUnit.MILLISECONDS);
      }
      return !done;
    }

    /**
     * Whether {@code chunk}, after a gap that Kafka did not fill, is the lease reaper's end of a
     * run whose worker was lost: the run's row (stored before the end was produced) says it ended
     * there. Its seq is fenced off past the lost worker's output, so nothing between is missing:
     * whatever the worker produced was read from Kafka just before. The reader goes on without
     * waiting for the sink to log the end (a sink that lags, after a broker or database outage,
     * would otherwise cut the reader off short of the end).
     */
    private boolean fencedEnd(HotChunk chunk) {
      if (!(chunk.chunk().data() instanceof ChunkData.Error error) || !error.workerLost()) {
        return false;
      }
      RunRow fresh = runs.find(run.id()).orElse(run);
      if (fresh.status().terminal()
          && fresh.lastSeq() != null
          && fresh.lastSeq() == chunk.seq() + 1) {
        run = fresh;
        return true;
      }
      return false;
    }

    /**
     * Whether {@code chunks} can be written without filling a gap first (each is the next the
     * reader lacks, or one it had).
     */
    boolean follows(List<HotChunk> chunks) {
      long next = expected;
      for (HotChunk chunk : chunks) {
        if (chunk.seq() > next) {
          return false;
        }
        next = Math.max(next, chunk.seq() + 1);
      }
      return true;
    }

    /**
     * On silence: if the run has ended meanwhile (its row says so) the log holds all of it; send
     * what is left and end. Returns null to go on waiting.
     */
    End recheckRun() throws IOException {
      RunRow fresh = runs.find(run.id()).orElse(run);
      if (!fresh.status().terminal()) {
        return null;
      }
      run = fresh;
      if (!logComplete()) {
        // Its last chunks are on their way and come live, unless the end is overdue: then Kafka has
        // them, or they
        // were never produced.
        if (!endOverdue(run, properties.logCatchUp())) {
          return null;
        }
        fillFromKafka(Long.MAX_VALUE, true);
        return done ? End.FINISHED : endOfTerminalRun();
      }
      fillFromLog(Long.MAX_VALUE, 0);
      if (done) {
        return End.FINISHED;
      }
      return endOfTerminalRun();
    }

    /**
     * Writes what Kafka holds of the run from {@code expected} up to {@code upTo} (the warm tier).
     * {@code produced}: the run is known to have chunks there (a later one is in memory, or it has
     * ended), so that Kafka is searched for them even before the sink has recorded where they
     * start; a run yet to produce anything is not searched for.
     */
    void fillFromKafka(long upTo, boolean produced) throws IOException {
      if (!KafkaReplay.locatable(run)) {
        run = runs.find(run.id()).orElse(run);
      }
      for (RunChunk chunk : kafka.read(run, expected, upTo, properties.logCatchUp(), produced)) {
        if (done || chunk.seq() != expected) {
          break;
        }
        emit(HotChunk.of(chunk));
      }
      out.flush();
    }

    /**
     * Writes the logged chunks from {@code expected} up to {@code upTo}, waiting up to {@code
     * waitNanos} for the sink to log them; false if they did not all come. Once the run has ended
     * the log is complete, so a hole in it (a chunk the broker never took) is stepped over instead
     * of waited for.
     */
    boolean fillFromLog(long upTo, long waitNanos) throws IOException {
      long deadline = System.nanoTime() + waitNanos;
      while (true) {
        boolean complete = logComplete();
        List<RunChunk> page = log.read(run.id(), expected - 1, LOG_PAGE);
        int used = 0;
        for (RunChunk chunk : page) {
          if (done || chunk.seq() > upTo) {
            break;
          }
          if (chunk.seq() != expected) {
            if (!complete) {
              break;
            }
            expected = chunk.seq();
          }
          emit(HotChunk.of(chunk));
          used++;
        }
        out.flush();
        if (done || expected > upTo) {
          return true;
        }
        if (used == LOG_PAGE) {
          continue;
        }
        if (complete && upTo != Long.MAX_VALUE) {
          // The run has ended and its log is complete: the rest of the range was never produced.
          expected = upTo + 1;
          return true;
        }
        if (upTo == Long.MAX_VALUE) {
          // Everything the log has now was sent; memory and the live tail go on from here.
          return true;
        }
        if (System.nanoTime() - deadline > 0) {
          LOG.warn(
              "Run {}: seq {}..{} not in the chunk log after waiting; cutting the reader off",
              run.id(),
              expected,
              upTo);
          return false;
        }
        try {
          Thread.sleep(LOG_POLL_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        run = runs.find(run.id()).orElse(run);
      }
    }

    /**
     * Whether the chunk log holds the run to its end: it has ended and its last chunk is logged
     * (remembered once true). Until then the run is read like a live one and no hole in the log is
     * taken for "never produced".
     */
    boolean logComplete() {
      if (!logComplete && run.status().terminal()) {
        logComplete = endLogged(run);
      }
      return logComplete;
    }

    private void emit(HotChunk chunk) throws IOException {
      out.chunk(chunk);
      expected = chunk.seq() + 1;
      if (chunk.chunk().terminal()) {
        done = true;
      }
    }
  }
}
