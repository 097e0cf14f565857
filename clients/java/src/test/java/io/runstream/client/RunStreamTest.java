package io.runstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stream's reading and resume against a scripted server (the JDK's own): dropped connections, a
 * 204 on reopening, 429 with Retry-After, events split over several data lines, comments, and the
 * server's problems.
 */
class RunStreamTest {
  private static final UUID RUN = UUID.randomUUID();
  private HttpServer server;
  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile Script script;

  interface Script {
    void answer(int request, long after, HttpExchange exchange) throws IOException;
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/v1/runs/" + RUN + "/stream",
        exchange -> {
          String last = exchange.getRequestHeaders().getFirst("Last-Event-ID");
          lastEventIds.add(String.valueOf(last));
          authorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          try {
            script.answer(
                requests.incrementAndGet(), last == null ? -1 : Long.parseLong(last), exchange);
          } finally {
            exchange.close();
          }
        });
    server.createContext(
        "/api/v1/runs",
        exchange -> {
          byte[] body =
              ("{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"code\":\"run_in_progress\","
                      + "\"detail\":\"A run of this session is still in progress.\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
          exchange.sendResponseHeaders(409, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private RunstreamClient client() {
    return RunstreamClient.builder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .token(() -> "t0k3n")
        .reconnectDelay(Duration.ofMillis(10))
        .maxReconnects(3)
        .build();
  }

  private static String delta(long id, String text) {
    return "id: "
        + id
        + "\ndata: {\"type\":\"text-delta\",\"id\":\"p1\",\"delta\":\""
        + text
        + "\"}\n\n";
  }

  private static void sse(HttpExchange exchange, String... frames) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    out.write(": ok\n\nretry: 10\n\n".getBytes(StandardCharsets.UTF_8));
    for (String frame : frames) {
      out.write(frame.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  @Test
  void shouldResumeAfterEachDroppedConnectionFromTheLastIdWithEveryPartOnceAndInOrder() {
    // 30 deltas; the server drops the connection after every 7 events, then ends with finish and
    // [DONE]
    script =
        (request, after, exchange) -> {
          List<String> frames = new ArrayList<>();
          long from = after + 1;
          for (long id = from; id < from + 7 && id <= 30; id++) {
            frames.add(
                id == 30
                    ? "id: 30\ndata: {\"type\":\"finish\",\"finishReason\":\"stop\"}\n\ndata: [DONE]\n\n"
                    : delta(id, "t" + id + " "));
          }
          sse(exchange, frames.toArray(String[]::new));
        };
    StringBuilder text = new StringBuilder();
    List<Long> ids = new ArrayList<>();
    StreamPart last = null;
    try (RunStream stream = client().stream(RUN)) {
      for (StreamPart part : stream) {
        ids.add(part.id());
        if (part instanceof StreamPart.TextDelta d) {
          text.append(d.delta());
        }
        last = part;
      }
      assertThat(stream.reconnects()).isEqualTo(4);
      assertThat(stream.lastEventId()).isEqualTo(30);
      assertThat(stream.ended()).isTrue();
    }
    assertThat(ids).containsExactlyElementsOf(LongStream.rangeClosed(0, 30).boxed().toList());
    assertThat(text.toString()).startsWith("t0 t1 t2 ").endsWith("t28 t29 ");
    assertThat(last).isEqualTo(new StreamPart.Finish(30, "stop"));
    assertThat(lastEventIds).containsExactly("null", "6", "13", "20", "27");
    assertThat(authorizations).allMatch("Bearer t0k3n"::equals);
  }

  @Test
  void shouldEndQuietlyWhenTheRunEndedWhileDisconnected() {
    script =
        (request, after, exchange) -> {
          if (request == 1) {
            sse(exchange, delta(0, "a"), delta(1, "b"));
          } else {
            exchange.sendResponseHeaders(204, -1);
          }
        };
    List<StreamPart> parts = new ArrayList<>();
    try (RunStream stream = client().stream(RUN)) {
      stream.forEach(parts::add);
      assertThat(stream.ended()).isTrue();
    }
    assertThat(parts).extracting(StreamPart::id).containsExactly(0L, 1L);
    assertThat(lastEventIds).containsExactly("null", "1");
  }

  @Test
  void shouldWaitOutRetryAfterAndJoinMultiLineDataAndSkipCommentsAndRepeats() {
    script =
        (request, after, exchange) -> {
          if (request == 1) {
            exchange.getResponseHeaders().add("Retry-After", "0");
            exchange.sendResponseHeaders(429, -1);
            return;
          }
          sse(
              exchange,
              ": ping\n\n",
              "id: 4\ndata: {\"type\":\"tool-input-available\",\"toolCallId\":\"c1\",\n"
                  + "data: \"toolName\":\"getLocation\",\"input\":{\"precise\":true}}\n\n",
              delta(4, "again"), // a repeat of an id already read is skipped
              "id: 5\ndata: {\"type\":\"data-usage\",\"data\":{\"outputTokens\":3}}\n\n",
              "id: 6\ndata: {\"type\":\"abort\",\"reason\":\"stopped\"}\n\n",
              "id: 7\ndata: {\"type\":\"finish\"}\n\n",
              "data: [DONE]\n\n");
        };
    List<StreamPart> parts = new ArrayList<>();
    try (RunStream stream = client().stream(RUN, 3)) {
      stream.forEach(parts::add);
    }
    assertThat(parts).hasSize(4);
    StreamPart.ToolCall call = (StreamPart.ToolCall) parts.get(0);
    assertThat(call.toolName()).isEqualTo("getLocation");
    assertThat(call.input().path("precise").asBoolean()).isTrue();
    assertThat(parts.get(1))
        .isInstanceOfSatisfying(
            StreamPart.Data.class,
            d -> assertThat(d.data().path("outputTokens").asInt()).isEqualTo(3));
    assertThat(parts.get(2)).isEqualTo(new StreamPart.Abort(6, "stopped"));
    assertThat(parts.get(3)).isEqualTo(new StreamPart.Finish(7, null));
    assertThat(lastEventIds).containsExactly("3", "3");
  }

  @Test
  void shouldThrowTheServersProblemAndGiveUpAfterTooManyFailures() {
    script =
        (request, after, exchange) -> {
          byte[] body =
              "{\"type\":\"about:blank\",\"status\":404,\"title\":\"Not Found\",\"detail\":\"Run not found.\"}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(404, body.length);
          exchange.getResponseBody().write(body);
        };
    assertThatThrownBy(() -> client().stream(RUN).forEach(part -> {}))
        .isInstanceOfSatisfying(
            RunstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.getMessage()).contains("Run not found.");
            });

    script = (request, after, exchange) -> exchange.sendResponseHeaders(503, -1);
    assertThatThrownBy(() -> client().stream(RUN).forEach(part -> {}))
        .isInstanceOf(RunstreamException.class)
        .hasMessageContaining("could not be reopened 3 times");

    assertThatThrownBy(() -> client().startRun("hello"))
        .isInstanceOfSatisfying(
            RunstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.code()).isEqualTo("run_in_progress");
            });
  }
}
