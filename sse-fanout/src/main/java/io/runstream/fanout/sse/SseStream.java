package io.runstream.fanout.sse;

import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Ids;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.stream.Delivery;
import io.runstream.fanout.stream.End;
import io.runstream.fanout.stream.RunReader;
import io.runstream.fanout.stream.StreamAdmission;
import io.runstream.fanout.stream.StreamGate;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Serves one run to one SSE connection in a face's rendering: the user's stream limit, 204 when the
 * reader has the run's last event already, the SSE headers every face sends (docs/faces/README.md)
 * and the face's own, the opening, then every chunk after the resume id as the face renders it, and
 * the face's end frames after the run's terminal chunk.
 */
@Component
public class SseStream {
  private final RunReader reader;
  private final StreamGate gate;
  private final FanoutProperties properties;
  private final SessionStore sessions;
  private final RunStore runs;

  private final boolean suspend;
  private final RendererSlots slots;

  /**
   * {@code runstream.fanout.suspend-streams} (default true): a stream that has caught up suspends
   * its request and holds no thread (ADR 0011); false keeps one waiting (virtual) thread per
   * stream, as before (for comparison, or a container that misbehaves with asynchronous requests).
   */
  public SseStream(
      RunReader reader,
      StreamGate gate,
      FanoutProperties properties,
      SessionStore sessions,
      RunStore runs,
      RendererSlots slots,
      @Value("${runstream.fanout.suspend-streams:true}") boolean suspend) {
    this.slots = slots;
    this.suspend = suspend;
    this.reader = reader;
    this.gate = gate;
    this.properties = properties;
    this.sessions = sessions;
    this.runs = runs;
  }

  /**
   * Streams {@code run} after {@code after} (null: from its first event) to {@code response},
   * rendered by {@code face}, until the run ends, the client goes or the reader is cut off; {@code
   * compact}: its catch-up is compact ({@link ResumePoint#compact}).
   */
  public End serve(
      Caller caller,
      RunRow run,
      Long after,
      boolean compact,
      FaceRenderer face,
      HttpServletResponse response)
      throws IOException {
    return serve(caller, run, after, compact, face, SseExchange.of(response));
  }

  /**
   * {@link #serve(Caller, RunRow, Long, boolean, FaceRenderer, HttpServletResponse)} on any
   * transport.
   */
  public End serve(
      Caller caller,
      RunRow run,
      Long after,
      boolean compact,
      FaceRenderer face,
      SseExchange response)
      throws IOException {
    try (StreamGate.Held held = gate.enter(caller.userId(), caller.service())) {
      if (run.held()) {
        return serveWhenReleased(run, after, compact, face, response, held);
      }
      return serveHeld(run, after, compact, face, response, held, false);
    }
  }

  /**
   * A run enqueued behind its session's live run (double-texting, ADR 0016) has no ids until it is
   * released: the stream opens at once (the opening, then {@code : ping} every ping interval) and
   * goes on with the run's events once it is released. The reader's resume point stays valid: the
   * run's ids follow the live run's.
   */
  private End serveWhenReleased(
      RunRow run,
      Long after,
      boolean compact,
      FaceRenderer face,
      SseExchange response,
      StreamGate.Held held)
      throws IOException {
    openingHeaders(run, compact, face, response);
    SseExchange.Wire out = response.wire();
    long pingEvery = properties.heartbeat().toNanos();
    long lastWrite = System.nanoTime();
    RunRow current = run;
    try {
      try {
        out.write(face.opening(properties.retry().toMillis()));
        out.flush();
      } finally {
        // Open: its seat among the node's opening streams is free for others while it waits (the
        // call is
        // idempotent; serveHeld's own is then a no-op).
        StreamAdmission.opened();
      }
      while (current.held()) {
        Thread.sleep(HELD_POLL_MS);
        if (System.nanoTime() - lastWrite >= pingEvery) {
          out.write(face.keepAlive());
          out.flush();
          lastWrite = System.nanoTime();
        }
        current = runs.find(run.id()).orElse(current);
      }
    } catch (IOException e) {
      return End.CLIENT_GONE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return End.CLIENT_GONE;
    }
    return serveHeld(current, after, compact, face, response, held, true);
  }

  private static final long HELD_POLL_MS = 100;

  /**
   * Takes one of the caller's streams before anything else happens: a face whose POST starts a run
   * and streams it takes the stream first, so that a 429 never leaves a run going that nobody
   * reads. Close it when done.
   */
  public StreamGate.Held reserve(Caller caller) {
    return gate.enter(caller.userId(), caller.service());
  }

  /** {@link #serve} on a stream {@link #reserve reserved} already. */
  public End serve(
      RunRow run,
      Long after,
      boolean compact,
      FaceRenderer face,
      HttpServletResponse response,
      StreamGate.Held reserved)
      throws IOException {
    Objects.requireNonNull(reserved, "reserved");
    SseExchange exchange = SseExchange.of(response);
    if (run.held()) {
      return serveWhenReleased(run, after, compact, face, exchange, reserved);
    }
    return serveHeld(run, after, compact, face, exchange, reserved, false);
  }

  /**
   * {@code opened}: the headers and the opening were written already (a run that waited for its
   * release).
   */
  private End serveHeld(
      RunRow run,
      Long after,
      boolean compact,
      FaceRenderer face,
      SseExchange response,
      StreamGate.Held held,
      boolean opened)
      throws IOException {
    long from = after == null ? run.seqBase() - 1 : after;
    int slot = slots.slot(face);
    HotChunk.Prerender prerender =
        face.stateful() || slot < 0 ? null : new HotChunk.Prerender(slot, face::render);
    RunReader.Opened opening = reader.open(run, from, prerender);
    if (opening == null) {
      if (!opened) {
        response.status(HttpStatus.NO_CONTENT.value());
      }
      return End.NOTHING_LEFT;
    }
    if (face.stateful() && from >= run.seqBase()) {
      // The face's state is rebuilt from the chunks this reader already had: read from the run's
      // start.
      reader.release(opening);
      opening = reader.open(run, run.seqBase() - 1, null);
      if (opening == null) {
        if (!opened) {
          response.status(HttpStatus.NO_CONTENT.value());
        }
        return End.NOTHING_LEFT;
      }
    }
    RunReader.Opened readerOpened = opening;
    if (!opened) {
      openingHeaders(run, compact, face, response);
    }
    SseExchange.Wire out = response.wire();
    try {
      if (!opened) {
        out.write(face.opening(properties.retry().toMillis()));
      }
      out.flush();
    } catch (IOException e) {
      reader.release(readerOpened);
      return End.CLIENT_GONE;
    } finally {
      StreamAdmission.opened();
    }
    Output output = new Output(out);
    return reader.read(
        readerOpened,
        new Frames(face.rendering(slot), face.keepAlive(), from, output, compact),
        suspend ? response.suspension(held, output) : null);
  }

  /**
   * A run's stream's headers: the SSE ones, the model's backend, the face's own, and whether the
   * compact catch-up was applied.
   */
  private static void openingHeaders(
      RunRow run, boolean compact, FaceRenderer face, SseExchange response) {
    sseHeaders(response);
    response.header("X-Model-Backend", run.modelProvider());
    face.headers(run, response::header);
    if (compact) {
      response.header("Preference-Applied", ResumePoint.COMPACT);
    }
  }

  /** A 200 with the SSE headers every face sends (docs/faces/README.md). */
  private static void sseHeaders(SseExchange response) {
    response.status(HttpStatus.OK.value());
    response.eventStream();
    response.header("Cache-Control", "no-cache");
    response.header("Connection", "keep-alive");
    response.header("X-Accel-Buffering", "no");
  }

  /**
   * An SSE answer that is not a run's stream (a face's single message): the headers, the opening,
   * {@code frames}.
   */
  public void single(HttpServletResponse response, byte[] frames) throws IOException {
    sseHeaders(SseExchange.of(response));
    ServletOutputStream out = response.getOutputStream();
    out.write(SseFrames.opening(properties.retry().toMillis()));
    out.write(frames);
    out.flush();
  }

  /**
   * The request header with which a face whose POST answers the stream (project chat, genie, AG-UI)
   * reads one given run instead of its own conversation's: Runstream's extension, so that any run
   * of the caller's organisation can be read in every face's dialect with the same ids (the same
   * header names the run in those faces' answers).
   */
  public static final String RUN_HEADER = "X-Run-Id";

  /**
   * The run {@code request} names by {@link #RUN_HEADER}, of the caller's organisation (404
   * otherwise, as any unknown id); empty when it names none.
   */
  public Optional<RunRow> named(Caller caller, HttpServletRequest request) {
    String id = request.getHeader(RUN_HEADER);
    if (id == null || id.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(
        runs.find(caller.orgId(), Ids.parse(id.strip(), "Run"))
            .orElseThrow(() -> ApiException.notFound("Run")));
  }

  /**
   * A conversation a face names by its own key, resumed after {@code after} (a POST-stream face's
   * reconnection with {@code Last-Event-ID}): from the run that has the events after it, else the
   * latest; 204 when there is none or the reader had everything.
   */
  public End resume(
      Caller caller,
      String face,
      String key,
      long after,
      boolean compact,
      FaceRenderer renderer,
      HttpServletResponse response)
      throws IOException {
    Optional<RunRow> run =
        sessions
            .findByKey(caller.orgId(), caller.userId(), face, key)
            .flatMap(id -> runs.firstEndingAfter(id, after).or(() -> runs.latest(id)));
    if (run.isEmpty()) {
      response.setStatus(HttpStatus.NO_CONTENT.value());
      return End.NOTHING_LEFT;
    }
    response.setHeader("X-Run-Id", run.get().id().toString());
    return serve(
        caller, run.get(), Math.max(after, run.get().seqBase() - 1), compact, renderer, response);
  }

  /**
   * Writes each chunk after {@code after} as the reader's rendering makes it (cached on the chunk
   * for a stateless face); chunks up to {@code after} only feed a stateful rendering. A compact
   * reader's catch-up (everything before {@link #caughtUp}) has each run of consecutive deltas of
   * one part merged ({@link CatchUp}); live chunks are written one by one.
   */
  private static final class Frames implements Delivery {
    private final FaceRenderer.Rendering rendering;
    private final byte[] keepAlive;
    private final long after;
    private final Output out;
    private CatchUp catchUp;

    Frames(
        FaceRenderer.Rendering rendering,
        byte[] keepAlive,
        long after,
        Output out,
        boolean compact) {
      this.rendering = rendering;
      this.keepAlive = keepAlive;
      this.after = after;
      this.out = out;
      this.catchUp = compact ? new CatchUp() : null;
    }

    @Override
    public void chunk(HotChunk chunk) throws IOException {
      if (chunk.seq() <= after) {
        rendering.skip(chunk.chunk());
        return;
      }
      if (catchUp != null) {
        write(catchUp.completedBy(chunk));
        if (catchUp.take(chunk)) {
          return;
        }
      }
      write(chunk);
    }

    private void write(HotChunk chunk) throws IOException {
      if (chunk == null) {
        return;
      }
      byte[] bytes = rendering.render(chunk);
      if (bytes.length > 0) {
        out.write(bytes);
      }
      if (chunk.chunk().terminal()) {
        out.write(rendering.end(chunk.chunk()));
      } else if (rendering.ended()) {
        // The face's answer is over while the run goes on: sent, then the stream ends as when its
        // client goes.
        out.flush();
        throw new IOException("The face's stream has ended before its run");
      }
    }

    @Override
    public void flush() throws IOException {
      // A catch-up's pending deltas wait for the next batch (the next page of the log, the memory's
      // backlog): a merge
      // spans the tiers' batches, and is written once a chunk that is not its delta comes, or the
      // reader catches up.
      out.flush();
    }

    @Override
    public void idle() throws IOException {
      out.write(keepAlive);
      out.flush();
    }

    @Override
    public void caughtUp() throws IOException {
      if (catchUp != null) {
        write(catchUp.drain());
        catchUp = null;
        out.flush();
      }
    }
  }
}
