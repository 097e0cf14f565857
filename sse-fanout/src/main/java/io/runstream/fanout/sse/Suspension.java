package io.runstream.fanout.sse;

import io.runstream.fanout.stream.End;
import io.runstream.fanout.stream.StreamGate;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * A live stream suspends its request (servlet async) once it has caught up, so that an idle
 * connection holds no thread: the request's thread returns, the user's stream stays held until the
 * stream ends, and the request is completed then. The connection failing meanwhile (the container's
 * error event) ends it.
 */
final class Suspension extends OutputContinuation implements AsyncListener {
  private final HttpServletRequest request;
  private final StreamGate.Held held;
  private volatile StreamGate.Held handedOver;
  private volatile AsyncContext context;
  private volatile Runnable gone;
  private final AtomicBoolean completed = new AtomicBoolean();

  private Suspension(HttpServletRequest request, StreamGate.Held held, Output output) {
    super(output);
    this.request = request;
    this.held = held;
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

  /**
   * The connection failed (the client went away): completed here, as the servlet specification asks
   * of a listener that does not want the container's error dispatch (an error page written into an
   * event stream).
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
