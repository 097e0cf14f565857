package io.runstream.fanout.sse;

import io.runstream.fanout.stream.End;
import io.runstream.fanout.stream.RunReader;
import io.runstream.fanout.stream.StreamGate;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * An SSE answer on Jetty's own request and response, for a stream opened ahead of the servlets (ADR
 * 0024): no servlet request, filter chain or asynchronous context. Until it suspends, the stream is
 * written by the thread that opened it, each flush waiting for the connection; once it suspends,
 * writes never wait ({@link Output}, ADR 0022) and the answer is completed, through Jetty's
 * callback, when the stream ends.
 *
 * <p>Nothing reaches the connection before the stream's first flush (or its end): an answer that
 * fails before that ({@link #committed} false) can still be answered the regular way.
 */
public final class JettyExchange extends SseExchange {
  private final Request request;
  private final Response response;
  private final Callback callback;
  private final JettyWire wire = new JettyWire();
  private final AtomicBoolean completed = new AtomicBoolean();
  private volatile boolean suspended;

  public JettyExchange(Request request, Response response, Callback callback) {
    this.request = request;
    this.response = response;
    this.callback = callback;
  }

  /** Sets a response header (before anything is written). */
  @Override
  public void header(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Adds a value to a response header (before anything is written). */
  public void addHeader(String name, String value) {
    response.getHeaders().add(name, value);
  }

  /** Whether the response has a header of this name. */
  public boolean hasHeader(String name) {
    return response.getHeaders().contains(name);
  }

  /** The answer's status so far. */
  public int status() {
    return response.getStatus();
  }

  @Override
  public void status(int status) {
    response.setStatus(status);
  }

  @Override
  void eventStream() {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream;charset=UTF-8");
  }

  @Override
  Wire wire() {
    return wire;
  }

  @Override
  RunReader.Continuation suspension(StreamGate.Held held, Output output) {
    return new Suspended(held, output);
  }

  /** Whether anything of the answer has reached the connection. */
  public boolean committed() {
    return wire.sent() || completed.get() || response.isCommitted();
  }

  /**
   * Called once the stream's serving returned: completes the answer (its status, its headers, what
   * was written) unless the stream went on suspended, whose end completes it.
   */
  public void served() {
    if (!suspended) {
      complete();
    }
  }

  /** Ends the answer as failed (the connection is closed). */
  public void abort(Throwable failure) {
    if (completed.compareAndSet(false, true)) {
      callback.failed(failure);
    }
  }

  private void complete() {
    if (completed.compareAndSet(false, true)) {
      wire.close();
    }
  }

  /**
   * The answer's body on Jetty's response: writes gather in a buffer, a flush hands it to the
   * connection (one write in flight at a time), the last bytes go with the answer's end.
   */
  private final class JettyWire implements Wire, Callback {
    /** Bytes gathered before a write is handed to the connection unasked (as a servlet buffer). */
    private static final int BUFFER = 32 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition done = lock.newCondition();
    private byte[] buffer = new byte[1024];
    private int size;
    private boolean inFlight;
    private boolean told;
    private boolean closeWanted;
    private boolean sent;
    private WriteListener listener;
    private Throwable failure;

    boolean sent() {
      lock.lock();
      try {
        return sent;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void write(byte[] bytes) throws IOException {
      ByteBuffer out;
      lock.lock();
      try {
        ensureOpen();
        if (size + bytes.length > buffer.length) {
          buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + bytes.length));
        }
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
        if (size < BUFFER || inFlight) {
          return;
        }
        out = take();
      } finally {
        lock.unlock();
      }
      send(out);
    }

    @Override
    public void flush() throws IOException {
      ByteBuffer out;
      lock.lock();
      try {
        ensureOpen();
        if (listener == null) {
          awaitDone();
        }
        if (inFlight || size == 0 && sent) {
          return;
        }
        out = take();
      } finally {
        lock.unlock();
      }
      send(out);
    }

    /** Hands the gathered bytes to the connection; a blocking write waits for it. */
    private void send(ByteBuffer out) throws IOException {
      response.write(false, out, this);
      lock.lock();
      try {
        if (listener == null) {
          awaitDone();
        }
      } finally {
        lock.unlock();
      }
    }

    /** The gathered bytes, and a write in flight. Under the lock. */
    private ByteBuffer take() {
      ByteBuffer out = ByteBuffer.wrap(buffer, 0, size);
      buffer = new byte[Math.min(buffer.length, BUFFER)];
      size = 0;
      inFlight = true;
      sent = true;
      return out;
    }

    private void awaitDone() throws IOException {
      try {
        while (inFlight) {
          done.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while the client took its frames", e);
      }
      ensureOpen();
    }

    private void ensureOpen() throws IOException {
      if (failure != null) {
        throw failure instanceof IOException io ? io : new IOException(failure);
      }
    }

    @Override
    public boolean isReady() {
      lock.lock();
      try {
        if (inFlight && failure == null) {
          told = true;
          return false;
        }
        return true;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      lock.lock();
      try {
        this.listener = listener;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void succeeded() {
      written(null);
    }

    @Override
    public void failed(Throwable x) {
      written(x);
    }

    /**
     * The write in flight is over ({@code failed} null when the connection took it): the answer's
     * end goes on if it waited for it, else the listener is told if it asked ({@link #isReady} said
     * false) or the connection failed.
     */
    private void written(Throwable failed) {
      WriteListener tell = null;
      boolean close;
      lock.lock();
      try {
        inFlight = false;
        if (failed != null) {
          failure = failed;
        }
        done.signalAll();
        if (told || failed != null) {
          told = false;
          tell = listener;
        }
        close = closeWanted;
      } finally {
        lock.unlock();
      }
      if (close) {
        close();
      } else if (tell != null && failed != null) {
        tell.onError(failed);
      } else if (tell != null) {
        try {
          tell.onWritePossible();
        } catch (IOException e) {
          tell.onError(e);
        }
      }
    }

    @Override
    public InvocationType getInvocationType() {
      // What it runs (the output's next frames) never waits: the connection may call it at once.
      return InvocationType.NON_BLOCKING;
    }

    /** Ends the answer with what was gathered, once no write is in flight. */
    void close() {
      ByteBuffer last;
      Throwable failed;
      lock.lock();
      try {
        if (inFlight) {
          closeWanted = true;
          return;
        }
        closeWanted = false;
        failed = failure;
        last = ByteBuffer.wrap(buffer, 0, size);
        size = 0;
        sent = true;
      } finally {
        lock.unlock();
      }
      if (failed != null) {
        callback.failed(failed);
      } else {
        response.write(true, last, callback);
      }
    }

    /** The connection failed while the stream was suspended. */
    void fail(Throwable x) {
      lock.lock();
      try {
        if (failure == null) {
          failure = x;
        }
        done.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * A caught-up stream on Jetty's response: the opening thread returns, the user's stream stays
   * held until the stream ends, and the answer is completed then. The connection failing meanwhile
   * (a write, or Jetty's failure of the request) ends it.
   */
  private final class Suspended extends OutputContinuation {
    private final StreamGate.Held held;
    private volatile StreamGate.Held handedOver;
    private volatile Runnable gone;

    Suspended(StreamGate.Held held, Output output) {
      super(output);
      this.held = held;
    }

    @Override
    public boolean suspend(Runnable gone) {
      this.gone = gone;
      handedOver = held.handOver();
      suspended = true;
      output.nonBlocking(this::failed);
      request.addFailureListener(this::connectionFailed);
      return true;
    }

    /** A write failed (the client went away). */
    private void failed() {
      gone.run();
      complete();
    }

    private void connectionFailed(Throwable failure) {
      wire.fail(failure);
      output.shut();
      gone.run();
      complete();
    }

    @Override
    public void ended(End end) {
      handedOver.close();
      output.finish(JettyExchange.this::complete);
    }
  }
}
