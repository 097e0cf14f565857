package io.runstream.fanout.agui;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/**
 * Ends an AG-UI answer before its Runstream run ends: at a frontend tool call AG-UI's run is over
 * ({@code RUN_FINISHED}; the tool's result comes with the next run), while the Runstream run waits
 * for that result. The renderer {@link #finish finishes} the answer; the response's output then
 * closes once what was written is flushed (the client sees the end of the body), and a later write
 * (the run's next chunk, a heartbeat) fails, which ends the stream as a client gone.
 */
final class AgUiEnding {
  private volatile boolean finished;

  /** The AG-UI run is over: close the answer after the next flush. */
  void finish() {
    finished = true;
  }

  /** {@code response}, its output closed once {@link #finish finished} and flushed. */
  HttpServletResponse wrap(HttpServletResponse response) {
    return new HttpServletResponseWrapper(response) {
      private ServletOutputStream output;

      @Override
      public ServletOutputStream getOutputStream() throws IOException {
        if (output == null) {
          output = new Output(response.getOutputStream());
        }
        return output;
      }
    };
  }

  private final class Output extends ServletOutputStream {
    private final ServletOutputStream out;
    private boolean closed;

    Output(ServletOutputStream out) {
      this.out = out;
    }

    private void open() throws IOException {
      if (closed) {
        throw new IOException("the AG-UI run ended at a frontend tool call");
      }
    }

    @Override
    public void write(int b) throws IOException {
      open();
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      open();
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      open();
      out.flush();
      if (finished) {
        closed = true;
        out.close();
      }
    }

    @Override
    public void close() throws IOException {
      closed = true;
      out.close();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }
}
