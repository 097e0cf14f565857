package io.runstream.fanout.sse;

import io.runstream.fanout.stream.RunReader;
import io.runstream.fanout.stream.StreamGate;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The transport under one SSE answer (ADR 0024): the servlet response of a request Spring MVC
 * dispatched ({@link #of(HttpServletResponse)}), or Jetty's own request and response for a stream
 * opened ahead of the servlets ({@link JettyExchange}). The reader and the face's rendering above
 * it are the same either way ({@link SseStream}).
 */
public abstract sealed class SseExchange permits SseExchange.Servlet, JettyExchange {
  SseExchange() {}

  /** The exchange of a servlet response (the request is the current one: RequestContextHolder). */
  public static SseExchange of(HttpServletResponse response) {
    return new Servlet(response);
  }

  /** Sets the answer's status (before anything is written). */
  public abstract void status(int status);

  /** Sets a response header (before anything is written). */
  public abstract void header(String name, String value);

  /** The SSE media type, in UTF-8. */
  abstract void eventStream();

  /** The answer's body: its writes may wait for the client until the stream suspends. */
  abstract Wire wire() throws IOException;

  /**
   * How a stream of this exchange goes on without a thread once it has caught up ({@link
   * RunReader.Continuation}), or null when it cannot (it is then read on the calling thread).
   */
  abstract RunReader.Continuation suspension(StreamGate.Held held, Output output);

  /**
   * An answer's body as the stream writes it, shaped as a servlet output stream: {@link #isReady}
   * false while the connection has yet to take what was flushed, the listener told once it has
   * (only after {@code isReady} said false) or once the connection failed.
   */
  interface Wire {
    void write(byte[] bytes) throws IOException;

    void flush() throws IOException;

    boolean isReady();

    void setWriteListener(WriteListener listener);
  }

  /** A servlet response's exchange. */
  static final class Servlet extends SseExchange {
    private final HttpServletResponse response;

    Servlet(HttpServletResponse response) {
      this.response = response;
    }

    @Override
    public void status(int status) {
      response.setStatus(status);
    }

    @Override
    public void header(String name, String value) {
      response.setHeader(name, value);
    }

    @Override
    void eventStream() {
      response.setContentType("text/event-stream");
      response.setCharacterEncoding("UTF-8");
    }

    @Override
    Wire wire() throws IOException {
      ServletOutputStream out = response.getOutputStream();
      return new Wire() {
        @Override
        public void write(byte[] bytes) throws IOException {
          out.write(bytes);
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public boolean isReady() {
          return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          out.setWriteListener(listener);
        }
      };
    }

    @Override
    RunReader.Continuation suspension(StreamGate.Held held, Output output) {
      return Suspension.of(held, output);
    }
  }
}
