package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * An SSE answer on Jetty's response (ADR 0024): one write in flight at a time, a blocking flush
 * waits for the connection, a suspended stream's writes never wait and are told when the connection
 * has taken them, the answer ends with the last bytes once nothing is in flight, and a failed
 * connection fails the answer.
 */
class JettyExchangeTest {
  /** A connection that takes each write when the test says so. */
  private static final class Connection implements Response {
    final List<Write> writes = new CopyOnWriteArrayList<>();
    final HttpFields.Mutable headers = HttpFields.build();
    int status = 200;

    record Write(boolean last, String text, Callback callback) {}

    @Override
    public void write(boolean last, ByteBuffer buffer, Callback callback) {
      writes.add(
          new Write(last, StandardCharsets.UTF_8.decode(buffer.slice()).toString(), callback));
    }

    Write last() {
      return writes.getLast();
    }

    @Override
    public Request getRequest() {
      return null;
    }

    @Override
    public int getStatus() {
      return status;
    }

    @Override
    public void setStatus(int code) {
      status = code;
    }

    @Override
    public HttpFields.Mutable getHeaders() {
      return headers;
    }

    @Override
    public Supplier<HttpFields> getTrailersSupplier() {
      return null;
    }

    @Override
    public void setTrailersSupplier(Supplier<HttpFields> trailers) {}

    @Override
    public boolean isCommitted() {
      return !writes.isEmpty();
    }

    @Override
    public boolean hasLastWrite() {
      return writes.stream().anyMatch(Write::last);
    }

    @Override
    public boolean isCompletedSuccessfully() {
      return false;
    }

    @Override
    public void reset() {}

    @Override
    public CompletableFuture<Void> writeInterim(int status, HttpFields headers) {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** The handler's callback: how the answer ended. */
  private static final class Ending implements Callback {
    final AtomicInteger succeeded = new AtomicInteger();
    final AtomicReference<Throwable> failed = new AtomicReference<>();

    @Override
    public void succeeded() {
      succeeded.incrementAndGet();
    }

    @Override
    public void failed(Throwable x) {
      failed.set(x);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldSendNothingBeforeTheFirstFlushAndWaitForTheConnectionOnABlockingFlush()
      throws Exception {
    Connection connection = new Connection();
    JettyExchange exchange = new JettyExchange(null, connection, new Ending());
    SseExchange.Wire wire = exchange.wire();
    wire.write(bytes(": ok\n\n"));
    wire.write(bytes("id: 1\ndata: a\n\n"));
    assertThat(connection.writes).isEmpty();
    assertThat(exchange.committed()).isFalse();

    CompletableFuture<Void> flushed =
        CompletableFuture.runAsync(
            () -> {
              try {
                wire.flush();
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    await().atMost(Duration.ofSeconds(5)).until(() -> !connection.writes.isEmpty());
    assertThat(connection.last().text()).isEqualTo(": ok\n\nid: 1\ndata: a\n\n");
    assertThat(connection.last().last()).isFalse();
    assertThat(exchange.committed()).isTrue();
    await()
        .during(Duration.ofMillis(50))
        .atMost(Duration.ofSeconds(1))
        .until(() -> !flushed.isDone()); // the flush waits for the connection
    connection.last().callback().succeeded();
    flushed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void shouldTellASuspendedStreamWhenTheConnectionHasTakenItsFrames() throws Exception {
    Connection connection = new Connection();
    Ending ending = new Ending();
    JettyExchange exchange = new JettyExchange(null, connection, ending);
    SseExchange.Wire wire = exchange.wire();
    AtomicInteger possible = new AtomicInteger();
    wire.setWriteListener(
        new WriteListener() {
          @Override
          public void onWritePossible() {
            possible.incrementAndGet();
          }

          @Override
          public void onError(Throwable t) {}
        });
    wire.write(bytes("id: 2\ndata: b\n\n"));
    wire.flush();
    assertThat(connection.writes).hasSize(1);
    assertThat(wire.isReady()).as("a write in flight").isFalse();

    connection.last().callback().succeeded();
    assertThat(possible).hasValue(1);
    assertThat(wire.isReady()).isTrue();

    // The answer's end waits for a write in flight, then goes with the last bytes.
    wire.write(bytes("id: 3\ndata: c\n\n"));
    wire.flush();
    wire.write(bytes("data: [DONE]\n\n"));
    exchange.served();
    assertThat(connection.writes).hasSize(2);
    connection.last().callback().succeeded();
    assertThat(connection.writes).hasSize(3);
    assertThat(connection.last().last()).isTrue();
    assertThat(connection.last().text()).isEqualTo("data: [DONE]\n\n");
    assertThat(connection.last().callback()).isSameAs(ending);
  }

  @Test
  void shouldFailTheAnswerWhenTheConnectionFails() throws Exception {
    Connection connection = new Connection();
    Ending ending = new Ending();
    JettyExchange exchange = new JettyExchange(null, connection, ending);
    SseExchange.Wire wire = exchange.wire();
    AtomicReference<Throwable> told = new AtomicReference<>();
    wire.setWriteListener(
        new WriteListener() {
          @Override
          public void onWritePossible() {}

          @Override
          public void onError(Throwable t) {
            told.set(t);
          }
        });
    wire.write(bytes("id: 4\ndata: d\n\n"));
    wire.flush();
    IOException gone = new IOException("Broken pipe");
    connection.last().callback().failed(gone);
    assertThat(told).hasValue(gone);
    assertThatThrownBy(() -> wire.write(bytes("id: 5\ndata: e\n\n"))).isSameAs(gone);

    exchange.served();
    assertThat(ending.failed).hasValue(gone);
    assertThat(ending.succeeded).hasValue(0);
    assertThat(connection.writes).hasSize(1);
  }

  @Test
  void shouldEndAnAnswerWithoutBodyWithItsStatus() {
    Connection connection = new Connection();
    Ending ending = new Ending();
    JettyExchange exchange = new JettyExchange(null, connection, ending);
    exchange.status(204);
    exchange.served();
    exchange.served();
    assertThat(connection.status).isEqualTo(204);
    assertThat(connection.writes).hasSize(1);
    assertThat(connection.last().last()).isTrue();
    assertThat(connection.last().text()).isEmpty();
  }
}
