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
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

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
      HttpServletResponse response,
      StreamGate.Held held)
      throws IOException {
    sseHeaders(response);
    response.setHeader("X-Model-Backend", run.modelProvider());
    face.headers(run, response);
    if (compact) {
      response.setHeader("Preference-Applied", ResumePoint.COMPACT);
    }
    ServletOutputStream out = response.getOutputStream();
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
    if (run.held()) {
      return serveWhenReleased(run, after, compact, face, response, reserved);
    }
    return serveHeld(run, after, compact, face, response, reserved, false);
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
      HttpServletResponse response,
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
        response.setStatus(HttpStatus.NO_CONTENT.value());
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
          response.setStatus(HttpStatus.NO_CONTENT.value());
        }
        return End.NOTHING_LEFT;
      }
    }
    RunReader.Opened readerOpened = opening;
    if (!opened) {
      sseHeaders(response);
      response.setHeader("X-Model-Backend", run.modelProvider());
      face.headers(run, response);
      if (compact) {
        response.setHeader("Preference-Applied", ResumePoint.COMPACT);
      }
    }
    ServletOutputStream out = response.getOutputStream();
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
        suspend ? Suspension.of(held, output) : null);
  }

  /**
   * A stream's output, shut for good once its request has completed: a suspended stream is written
   * from other threads than the container's, and a write that came after the container completed
   * the request (the client went away) would land in the recycled response of another request on
   * the same processor (seen as another stream ending right after its opening). Writes and shutting
   * take one lock, so neither overlaps the other.
   *
   * <p>Once its stream is suspended the output is {@link #nonBlocking non-blocking} (ADR 0022): a
   * write never waits for the client. Frames go to the connection while it takes them; what it does
   * not take yet waits here, in order, and goes on when the container says the connection can take
   * more ({@link #onWritePossible}). So a live chunk can be written by the thread that buffered it,
   * however slow the client; the reader's bounded queue stays the limit of how far behind a client
   * may fall, since a reader takes no more chunks while its output holds any ({@link #writable}).
   */
  static final class Output implements WriteListener {
    private final ServletOutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private boolean open = true;
    private boolean nonBlocking;
    private boolean flushWanted;
    private Runnable whenWritable;
    private Runnable completion;
    private Runnable failed = () -> {};

    Output(ServletOutputStream out) {
      this.out = out;
    }

    /**
     * From now on writes do not wait ({@code failed} is told when the connection fails); for a
     * request that has started asynchronous processing.
     */
    void nonBlocking(Runnable failed) {
      lock.lock();
      try {
        this.failed = failed;
        nonBlocking = true;
        out.setWriteListener(this);
      } finally {
        lock.unlock();
      }
    }

    void write(byte[] bytes) throws IOException {
      lock.lock();
      try {
        ensureOpen();
        if (nonBlocking) {
          pending.add(bytes);
          pump();
        } else {
          out.write(bytes);
        }
      } finally {
        lock.unlock();
      }
    }

    void flush() throws IOException {
      lock.lock();
      try {
        ensureOpen();
        if (nonBlocking) {
          flushWanted = true;
          pump();
        } else {
          out.flush();
        }
      } finally {
        lock.unlock();
      }
    }

    /** Whether nothing written waits here for the connection. */
    boolean writable() {
      lock.lock();
      try {
        return !open || pending.isEmpty() && !flushWanted;
      } finally {
        lock.unlock();
      }
    }

    /**
     * Runs {@code action} once nothing written waits here (at once if nothing does), on the calling
     * thread or the container's; not at all once the output is shut.
     */
    void whenWritable(Runnable action) {
      lock.lock();
      try {
        if (open && (!pending.isEmpty() || flushWanted)) {
          whenWritable = action;
          return;
        }
      } finally {
        lock.unlock();
      }
      action.run();
    }

    /**
     * Waits (a virtual thread's wait) until nothing written waits here, or the output is shut. For
     * the writers that may wait: a reader filling a gap from the log.
     */
    void awaitWritable() throws IOException {
      lock.lock();
      try {
        while (open && (!pending.isEmpty() || flushWanted)) {
          drained.await();
        }
        ensureOpen();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while the client took its frames", e);
      } finally {
        lock.unlock();
      }
    }

    /**
     * Hands what waits to the connection while it takes it; false when the connection still has to
     * take some (the container then calls {@link #onWritePossible}). Under the lock.
     */
    private boolean pump() throws IOException {
      try {
        while (out.isReady()) {
          byte[] next = pending.poll();
          if (next != null) {
            out.write(next);
          } else if (flushWanted) {
            flushWanted = false;
            out.flush();
          } else {
            drained.signalAll();
            return true;
          }
        }
        return false;
      } catch (IOException | IllegalStateException e) {
        open = false;
        pending.clear();
        drained.signalAll();
        throw e instanceof IOException io ? io : new IOException(e);
      }
    }

    @Override
    public void onWritePossible() {
      Runnable next = null;
      boolean failure = false;
      lock.lock();
      try {
        if (open && pump()) {
          if (completion != null) {
            open = false;
            next = completion;
          } else {
            next = whenWritable;
            whenWritable = null;
          }
        }
      } catch (IOException e) {
        failure = true;
      } finally {
        lock.unlock();
      }
      if (failure) {
        shut();
        failed.run();
      } else if (next != null) {
        next.run();
      }
    }

    @Override
    public void onError(Throwable t) {
      shut();
      failed.run();
    }

    private void ensureOpen() throws IOException {
      if (!open) {
        throw new IOException("The stream's request has completed");
      }
    }

    /**
     * Shuts the output once any write in progress is over; true for the call that shut it. A reader
     * waiting for the output to take its frames ({@link #whenWritable}) goes on, and finds it shut.
     */
    boolean shut() {
      boolean was;
      Runnable waiting;
      lock.lock();
      try {
        was = open;
        open = false;
        pending.clear();
        waiting = whenWritable;
        whenWritable = null;
        drained.signalAll();
      } finally {
        lock.unlock();
      }
      if (waiting != null) {
        waiting.run();
      }
      return was;
    }

    /**
     * Shuts the output once what waits here has reached the connection, then runs {@code complete}
     * (on the calling thread or the container's); not at all if the output was shut.
     */
    void finish(Runnable complete) {
      boolean now = false;
      lock.lock();
      try {
        whenWritable = null;
        if (!open || !nonBlocking || pump()) {
          open = false;
          now = true;
        } else {
          completion = complete;
        }
      } catch (IOException e) {
        open = false;
        now = true;
      } finally {
        lock.unlock();
      }
      if (now) {
        complete.run();
      }
    }
  }

  /**
   * A live stream suspends its request (servlet async) once it has caught up, so that an idle
   * connection holds no thread: the request's thread returns, the user's stream stays held until
   * the stream ends, and the request is completed then. The connection failing meanwhile (the
   * container's error event) ends it.
   */
  private static final class Suspension implements RunReader.Continuation, AsyncListener {
    private final HttpServletRequest request;
    private final StreamGate.Held held;
    private final Output output;
    private volatile StreamGate.Held handedOver;
    private volatile AsyncContext context;
    private volatile Runnable gone;
    private final AtomicBoolean completed = new AtomicBoolean();

    private Suspension(HttpServletRequest request, StreamGate.Held held, Output output) {
      this.request = request;
      this.held = held;
      this.output = output;
    }

    /** The current request's suspension, or null outside a request that can be suspended. */
    static Suspension of(StreamGate.Held held, Output output) {
      if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
          && attributes.getRequest().isAsyncSupported()) {
        return new Suspension(attributes.getRequest(), held, output);
      }
      return null;
    }

    @Override
    public boolean suspend(Runnable gone) {
      this.gone = gone;
      AsyncContext started;
      try {
        started = request.startAsync();
      } catch (IllegalStateException e) {
        return false;
      }
      handedOver = held.handOver();
      started.setTimeout(0);
      started.addListener(this);
      context = started;
      output.nonBlocking(this::failed);
      return true;
    }

    /** A write failed (the client went away): as the container's error event. */
    private void failed() {
      gone.run();
      complete();
    }

    @Override
    public void ended(End end) {
      handedOver.close();
      output.finish(this::complete);
    }

    /**
     * Completes the request once, whichever way the stream ended first: a second completion could
     * reach the container's recycled state of another request on the same connection.
     */
    private void complete() {
      if (completed.compareAndSet(false, true)) {
        try {
          context.complete();
        } catch (IllegalStateException e) {
          // completed already
        }
      }
    }

    @Override
    public boolean writable() {
      return output.writable();
    }

    @Override
    public void whenWritable(Runnable action) {
      output.whenWritable(action);
    }

    @Override
    public void awaitWritable() throws IOException {
      output.awaitWritable();
    }

    /**
     * The connection failed (the client went away): completed here, as the servlet specification
     * asks of a listener that does not want the container's error dispatch (an error page written
     * into an event stream).
     */
    @Override
    public void onError(AsyncEvent event) {
      output.shut();
      gone.run();
      complete();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      output.shut();
      gone.run();
      complete();
    }

    @Override
    public void onComplete(AsyncEvent event) {
      completed.set(true);
      output.shut();
      gone.run();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // not restarted
    }
  }

  /** A 200 with the SSE headers every face sends (docs/faces/README.md). */
  private static void sseHeaders(HttpServletResponse response) {
    response.setStatus(HttpStatus.OK.value());
    response.setContentType("text/event-stream");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("Connection", "keep-alive");
    response.setHeader("X-Accel-Buffering", "no");
  }

  /**
   * An SSE answer that is not a run's stream (a face's single message): the headers, the opening,
   * {@code frames}.
   */
  public void single(HttpServletResponse response, byte[] frames) throws IOException {
    sseHeaders(response);
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
