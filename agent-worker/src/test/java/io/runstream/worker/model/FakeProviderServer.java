package io.runstream.worker.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A local HTTP server that answers a provider's streaming endpoint with a scripted response: the
 * wire format event for event (tests write it from the providers' API references), a status with a
 * body, or a stream cut mid-way, a stream that stalls mid-way (a provider that stops sending
 * without closing), or nothing at all (a server that hangs). Every request body is kept for the
 * test to look at.
 */
public final class FakeProviderServer implements AutoCloseable {
  /** What to answer one request. */
  public record Response(
      int status, List<String> headers, String body, boolean cutAfterBody, boolean stallAfterBody) {
    public Response(int status, List<String> headers, String body, boolean cutAfterBody) {
      this(status, headers, body, cutAfterBody, false);
    }

    /**
     * A 200 event stream of these frames, then nothing more: the connection stays open until the
     * client goes away or the server closes (a provider that stalls mid-stream).
     */
    public static Response stall(String... frames) {
      return new Response(
          200, List.of("Content-Type", "text/event-stream"), String.join("", frames), true, true);
    }

    /** A 200 event stream of these SSE frames. */
    public static Response events(String... frames) {
      return new Response(
          200, List.of("Content-Type", "text/event-stream"), String.join("", frames), false);
    }

    /**
     * A 200 event stream of these frames that ends there, before the answer is complete (a cut
     * stream).
     */
    public static Response cut(String... frames) {
      return new Response(
          200, List.of("Content-Type", "text/event-stream"), String.join("", frames), true);
    }

    /**
     * No answer at all: not even the status line (a server that hangs), until the server closes.
     */
    public static Response silence() {
      return new Response(0, List.of(), "", false, true);
    }

    /** A status with a JSON body and headers as name, value pairs. */
    public static Response status(int status, String json, String... headers) {
      List<String> all = new ArrayList<>(List.of("Content-Type", "application/json"));
      all.addAll(List.of(headers));
      return new Response(status, all, json, false);
    }
  }

  private final HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicInteger stalled = new AtomicInteger();
  private volatile Function<String, Response> answer = body -> Response.status(500, "{}");

  public FakeProviderServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  /** The base URL ({@code http://127.0.0.1:<port>}). */
  public String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers every request by {@code answer}, given the request body. */
  public void answer(Function<String, Response> answer) {
    this.answer = answer;
  }

  /** How many stalled answers are holding their connection now. */
  public int stalling() {
    return stalled.get();
  }

  /** The request bodies received, in order. */
  public List<String> requests() {
    return requests;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(body);
    Response response = answer.apply(body);
    if (response.status() == 0) {
      stall();
      exchange.close();
      return;
    }
    for (int i = 0; i + 1 < response.headers().size(); i += 2) {
      exchange.getResponseHeaders().add(response.headers().get(i), response.headers().get(i + 1));
    }
    byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(response.status(), response.cutAfterBody() ? 0 : bytes.length);
    OutputStream out = exchange.getResponseBody();
    out.write(bytes);
    out.flush();
    if (response.stallAfterBody()) {
      stall();
    }
    out.close();
  }

  /**
   * Holds a stalled answer open, sending nothing more, until the server closes (or two minutes
   * passed).
   */
  private void stall() {
    stalled.incrementAndGet();
    try {
      closed.await(2, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stalled.decrementAndGet();
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
  }
}
