package io.runstream.worker.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A local HTTP server that answers a provider's streaming endpoint with a scripted response: the wire format
 * event for event (tests write it from the providers' API references), a status with a body, or a stream cut
 * mid-way. Every request body is kept for the test to look at.
 */
public final class FakeProviderServer implements AutoCloseable {
  /** What to answer one request. */
  public record Response(int status, List<String> headers, String body, boolean cutAfterBody) {
    /** A 200 event stream of these SSE frames. */
    public static Response events(String... frames) {
      return new Response(200, List.of("Content-Type", "text/event-stream"), String.join("", frames), false);
    }

    /** A 200 event stream of these frames that ends there, before the answer is complete (a cut stream). */
    public static Response cut(String... frames) {
      return new Response(200, List.of("Content-Type", "text/event-stream"), String.join("", frames), true);
    }

    /** A status with a JSON body and headers as name, value pairs. */
    public static Response status(int status, String json, String... headers) {
      List<String> all = new java.util.ArrayList<>(List.of("Content-Type", "application/json"));
      all.addAll(List.of(headers));
      return new Response(status, all, json, false);
    }
  }

  private final HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile Function<String, Response> answer = body -> Response.status(500, "{}");

  public FakeProviderServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
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

  /** The request bodies received, in order. */
  public List<String> requests() {
    return requests;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(body);
    Response response = answer.apply(body);
    for (int i = 0; i + 1 < response.headers().size(); i += 2) {
      exchange.getResponseHeaders().add(response.headers().get(i), response.headers().get(i + 1));
    }
    byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(response.status(), response.cutAfterBody() ? 0 : bytes.length);
    OutputStream out = exchange.getResponseBody();
    out.write(bytes);
    out.flush();
    out.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
