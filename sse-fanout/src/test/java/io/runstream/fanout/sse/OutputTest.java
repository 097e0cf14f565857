package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A suspended stream's output never waits for its client (ADR 0022): what the connection does not
 * take yet waits in order, and the request completes only once the client has it all.
 */
class OutputTest {

  /**
   * A connection as the container shows it in non-blocking mode: it takes writes while it has room
   * and is then not ready until the client reads ({@link #drain}), which calls the listener.
   */
  private static final class Connection extends ServletOutputStream implements SseExchange.Wire {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    int room;
    boolean broken;
    WriteListener listener;
    int flushes;

    Connection(int room) {
      this.room = room;
    }

    @Override
    public boolean isReady() {
      return room > 0;
    }

    @Override
    public void setWriteListener(WriteListener writeListener) {
      listener = writeListener;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      if (broken) {
        throw new IOException("Broken pipe");
      }
      if (room <= 0) {
        throw new IllegalStateException("write while not ready");
      }
      received.write(bytes, offset, length);
      room -= length;
    }

    @Override
    public void flush() throws IOException {
      if (broken) {
        throw new IOException("Broken pipe");
      }
      flushes++;
    }

    /** The client reads: room again, and the container tells the listener. */
    void drain(int more) throws IOException {
      room = more;
      listener.onWritePossible();
    }

    String text() {
      return received.toString(StandardCharsets.UTF_8);
    }
  }

  /** A suspended stream's output over {@code connection}; {@code failed} told of a failed write. */
  private static Output output(Connection connection, Runnable failed) {
    Output output = new Output(connection);
    output.nonBlocking(failed);
    return output;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldKeepFramesInOrderWhileTheClientIsSlowAndCompleteOnlyOnceItHasThemAll()
      throws Exception {
    Connection connection = new Connection(4);
    Output output = output(connection, () -> {});
    output.write(bytes("one\n"));
    output.write(bytes("two\n"));
    output.write(bytes("three\n"));
    output.flush();
    // The connection took the first frame and had no room for more: the rest waits, in order.
    assertThat(connection.text()).isEqualTo("one\n");
    assertThat(output.writable()).isFalse();

    AtomicInteger resumed = new AtomicInteger();
    output.whenWritable(resumed::incrementAndGet);
    AtomicInteger completed = new AtomicInteger();
    output.finish(completed::incrementAndGet);
    assertThat(completed).hasValue(0);

    connection.drain(4);
    assertThat(connection.text()).isEqualTo("one\ntwo\n");
    assertThat(completed).hasValue(0);
    connection.drain(100);
    assertThat(connection.text()).isEqualTo("one\ntwo\nthree\n");
    assertThat(connection.flushes).isEqualTo(1);
    assertThat(completed).hasValue(1);
    // The stream finished: a reader waiting to write is not resumed into a completed request.
    assertThat(resumed).hasValue(0);
    assertThatThrownBy(() -> output.write(bytes("late\n"))).isInstanceOf(IOException.class);
  }

  @Test
  void shouldResumeAWaitingReaderOnceTheClientHasTakenWhatWaited() throws Exception {
    Connection connection = new Connection(3);
    Output output = output(connection, () -> {});
    output.write(bytes("abc"));
    output.write(bytes("def"));
    AtomicInteger resumed = new AtomicInteger();
    output.whenWritable(resumed::incrementAndGet);
    assertThat(resumed).hasValue(0);
    connection.drain(10);
    assertThat(resumed).hasValue(1);
    assertThat(output.writable()).isTrue();
    // Writable at once: the action runs on the caller's thread.
    output.whenWritable(resumed::incrementAndGet);
    assertThat(resumed).hasValue(2);
  }

  @Test
  void shouldLetAWaitingReaderFindTheOutputShutWhenTheClientGoes() throws Exception {
    Connection connection = new Connection(1);
    AtomicInteger failures = new AtomicInteger();
    Output output = output(connection, failures::incrementAndGet);
    output.write(bytes("x"));
    output.write(bytes("y"));
    AtomicInteger resumed = new AtomicInteger();
    output.whenWritable(resumed::incrementAndGet);

    connection.broken = true;
    connection.drain(10);
    assertThat(failures).hasValue(1);
    assertThat(resumed).hasValue(1);
    assertThat(output.writable()).isTrue();
    assertThatThrownBy(() -> output.write(bytes("z"))).isInstanceOf(IOException.class);
    // The request is completed all the same when the reader ends.
    AtomicInteger completed = new AtomicInteger();
    output.finish(completed::incrementAndGet);
    assertThat(completed).hasValue(1);
  }

  @Test
  void shouldReportAFailedWriteToTheWriter() throws Exception {
    Connection connection = new Connection(100);
    Output output = output(connection, () -> {});
    connection.broken = true;
    assertThatThrownBy(() -> output.write(bytes("x"))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> output.flush()).isInstanceOf(IOException.class);
  }
}
