package io.runstream.fanout.sse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.RunRow;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.hot.Attachment;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.hot.HotRuns;
import io.runstream.schemas.RunChunk;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Writes one run to one SSE connection from {@code after} on: exactly the events with a higher id, in order, then
 * the live tail, then {@code [DONE]}. A run's seqs are contiguous, so a gap between what memory holds and what
 * the reader needs is seen at once and filled from the PostgreSQL chunk log (waiting briefly for the sink).
 */
@Component
public class RunStreamWriter {
  private static final Logger LOG = LoggerFactory.getLogger(RunStreamWriter.class);
  private static final int LOG_PAGE = 1000;
  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

  private final HotRuns hot;
  private final ChunkLogStore log;
  private final FanoutProperties properties;
  private final AtomicInteger streams = new AtomicInteger();
  private final Timer delivery;

  public RunStreamWriter(HotRuns hot, ChunkLogStore log, FanoutProperties properties, MeterRegistry meters) {
    this.hot = hot;
    this.log = log;
    this.properties = properties;
    meters.gauge("runstream.fanout.streams.live", streams);
    this.delivery =
        Timer.builder("runstream.fanout.delivery.latency")
            .description("chunk produce timestamp to written to the socket, live events only")
            .publishPercentileHistogram()
            .register(meters);
  }

  /** How the stream ended. */
  public enum End {
    /** The run finished and {@code [DONE]} was written. */
    FINISHED,
    /** The client went away. */
    CLIENT_GONE,
    /** The reader fell too far behind or a gap could not be filled; the client resumes by reconnecting. */
    CUT_OFF
  }

  /** The stream's opening: {@code : ok} and {@code retry:}. */
  public byte[] opening() {
    return (": ok\n\nretry: " + properties.retry().toMillis() + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Streams the run after {@code after} to {@code out} until it finishes, the client goes or it is cut off. */
  public End stream(RunRow run, long after, OutputStream out) throws IOException {
    streams.incrementAndGet();
    Cursor cursor = new Cursor(run, Math.max(after, run.seqBase() - 1), out);
    Attachment attachment =
        run.status().terminal() ? hot.attachIfPresent(run.id(), after) : hot.attach(run.id(), after);
    try {
      out.write(opening());
      out.flush();
      if (attachment == null || !attachment.fromStart() && firstNeeded(attachment) > cursor.expected) {
        // Memory does not hold the start of what this reader needs: the chunk log does.
        cursor.fillFromLog(Long.MAX_VALUE, 0);
        if (cursor.done) {
          return End.FINISHED;
        }
        if (attachment == null) {
          // A finished run whose log does not end it: should not happen; let the client retry.
          return End.CUT_OFF;
        }
      }
      if (!cursor.write(attachment.backlog(), false)) {
        return cursor.done ? End.FINISHED : End.CUT_OFF;
      }
      if (attachment.finished()) {
        return cursor.done ? End.FINISHED : End.CUT_OFF;
      }
      List<HotChunk> batch = new ArrayList<>();
      long heartbeat = properties.heartbeat().toNanos();
      while (true) {
        batch.clear();
        if (attachment.reader().overflowed()) {
          return End.CUT_OFF;
        }
        boolean got = attachment.reader().next(batch, heartbeat);
        if (attachment.reader().overflowed()) {
          return End.CUT_OFF;
        }
        if (!got) {
          out.write(PING);
          out.flush();
          continue;
        }
        if (!cursor.write(batch, true)) {
          return cursor.done ? End.FINISHED : End.CUT_OFF;
        }
      }
    } catch (IOException e) {
      return End.CLIENT_GONE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return End.CLIENT_GONE;
    } finally {
      if (attachment != null) {
        hot.detach(attachment);
      }
      streams.decrementAndGet();
    }
  }

  private static long firstNeeded(Attachment attachment) {
    return attachment.backlog().isEmpty() ? attachment.firstSeq() : attachment.backlog().getFirst().seq();
  }

  /** What one reader has been sent. */
  private final class Cursor {
    private final RunRow run;
    private final OutputStream out;
    private long expected;
    private boolean done;

    Cursor(RunRow run, long after, OutputStream out) {
      this.run = run;
      this.out = out;
      this.expected = after + 1;
    }

    /** Writes the chunks in order, filling gaps from the log; false once the stream must end. */
    boolean write(List<HotChunk> chunks, boolean live) throws IOException {
      for (HotChunk chunk : chunks) {
        if (done) {
          return false;
        }
        if (chunk.seq() < expected) {
          continue;
        }
        if (chunk.seq() > expected && !fillFromLog(chunk.seq() - 1, properties.logCatchUp().toNanos())) {
          return false;
        }
        emit(chunk);
        if (live) {
          delivery.record(
              Math.max(0, System.currentTimeMillis() - chunk.chunk().ts().toEpochMilli()), TimeUnit.MILLISECONDS);
        }
      }
      out.flush();
      return !done;
    }

    /**
     * Writes the logged chunks from {@code expected} up to {@code upTo}, waiting up to {@code waitNanos} for the
     * sink to log them; false if they did not all come.
     */
    boolean fillFromLog(long upTo, long waitNanos) throws IOException {
      long deadline = System.nanoTime() + waitNanos;
      while (true) {
        List<RunChunk> page = log.read(run.id(), expected - 1, LOG_PAGE);
        for (RunChunk chunk : page) {
          if (done || chunk.seq() != expected || chunk.seq() > upTo) {
            break;
          }
          emit(HotChunk.of(chunk));
        }
        out.flush();
        if (done || expected > upTo) {
          return true;
        }
        if (page.size() == LOG_PAGE) {
          continue;
        }
        if (upTo == Long.MAX_VALUE) {
          // Everything the log has now was sent; memory and the live tail go on from here.
          return true;
        }
        if (System.nanoTime() - deadline > 0) {
          LOG.warn("Run {}: seq {}..{} not in the chunk log after waiting; cutting the reader off", run.id(),
              expected, upTo);
          return false;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }

    private void emit(HotChunk chunk) throws IOException {
      if (chunk.canonical().length > 0) {
        out.write(chunk.canonical());
      }
      expected = chunk.seq() + 1;
      if (chunk.chunk().terminal()) {
        out.write(CanonicalRenderer.done(chunk.seq()));
        done = true;
      }
    }
  }
}
