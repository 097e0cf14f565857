package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.runstream.client.RunRequest;
import io.runstream.client.RunStatus;
import io.runstream.client.RunStream;
import io.runstream.client.RunstreamClient;
import io.runstream.client.RunstreamException;
import io.runstream.client.StartedRun;
import io.runstream.client.StartedSession;
import io.runstream.client.StreamPart;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #29 item 1: the Java client ({@code clients/java}) against the real platform: a run read
 * through connections that drop (a proxy cuts them) comes exactly once and in order, equal to the
 * stored answer; a client tool call is answered through the client; a stop ends the stream as the
 * AI SDK expects; the server's problems are exceptions.
 */
class JavaClientIT extends PlatformIT {

  private RunstreamClient client(String base, String token) {
    return RunstreamClient.builder(URI.create(base))
        .token(token)
        .reconnectDelay(Duration.ofMillis(50))
        .build();
  }

  @Test
  void shouldReadARunThroughDroppedConnectionsExactlyOnceAndEqualToTheStoredAnswer()
      throws Exception {
    String token = TestApi.freshToken();
    try (CuttingProxy proxy = new CuttingProxy(port(), 3, 1500)) {
      RunstreamClient client = client("http://127.0.0.1:" + proxy.port(), token);
      StartedRun run =
          client.startRun(
              RunRequest.of("Tell me a long story")
                  .field("simulation", Map.of("tokens_per_second", 200, "output_tokens", 300)));
      StringBuilder text = new StringBuilder();
      List<Long> ids = new ArrayList<>();
      StreamPart last = null;
      int reconnects;
      try (RunStream stream = client.stream(run.runId())) {
        for (StreamPart part : stream) {
          ids.add(part.id());
          if (part instanceof StreamPart.TextDelta delta) {
            text.append(delta.delta());
          }
          last = part;
        }
        reconnects = stream.reconnects();
        assertThat(stream.ended()).isTrue();
      }
      assertThat(proxy.cuts()).as("connections the proxy cut mid-stream").isEqualTo(3);
      assertThat(reconnects).isGreaterThanOrEqualTo(3);
      assertThat(ids).as("every event once, in order").doesNotHaveDuplicates().isSorted();
      for (int i = 1; i < ids.size(); i++) {
        assertThat(ids.get(i)).as("no gap after %s", ids.get(i - 1)).isEqualTo(ids.get(i - 1) + 1);
      }
      assertThat(last).isInstanceOf(StreamPart.Finish.class);
      assertThat(((StreamPart.Finish) last).finishReason()).isEqualTo("stop");

      RunStatus status = client.run(run.runId());
      assertThat(status.status()).isEqualTo("completed");
      assertThat(status.outputTokens()).isPositive();
      String stored =
          api()
              .get("/api/v1/sessions/" + run.sessionId() + "/messages", token)
              .json()
              .path("results")
              .get(1)
              .path("text")
              .asString();
      assertThat(text.toString()).isNotEmpty().isEqualTo(stored);
    }
  }

  @Test
  void shouldStartASessionAndContinueItTurnByTurn() {
    String token = TestApi.freshToken();
    RunstreamClient client = client(api().base(), token);
    StartedSession session = client.createSession("Name three cheeses", "Cheeses");
    assertThat(session.title()).isEqualTo("Cheeses");
    StringBuilder first = new StringBuilder();
    long lastIdOfFirst;
    try (RunStream stream = client.stream(session.runId())) {
      stream.forEach(
          part -> {
            if (part instanceof StreamPart.TextDelta delta) {
              first.append(delta.delta());
            }
          });
      lastIdOfFirst = stream.lastEventId();
    }
    StartedRun next = client.sendMessage(session.sessionId(), "And three more");
    assertThat(next.sessionId()).isEqualTo(session.sessionId());
    long firstIdOfNext;
    try (RunStream stream = client.stream(next.runId())) {
      firstIdOfNext = stream.iterator().next().id();
    }
    JsonNodeView transcript =
        new JsonNodeView(
            api()
                .get("/api/v1/sessions/" + session.sessionId() + "/messages", token)
                .json()
                .path("results"));
    assertThat(transcript.texts())
        .startsWith("Name three cheeses", first.toString(), "And three more");
    // the session's ids continue from one run to the next
    assertThat(firstIdOfNext).isEqualTo(lastIdOfFirst + 1);
  }

  private record JsonNodeView(JsonNode results) {
    List<String> texts() {
      List<String> texts = new ArrayList<>();
      results.forEach(message -> texts.add(message.path("text").asString()));
      return texts;
    }
  }

  @Test
  void shouldAnswerAClientToolCallAndGoOn() {
    String token = TestApi.freshToken();
    RunstreamClient client = client(api().base(), token);
    StartedRun run =
        client.startRun(
            RunRequest.of("Where am I?")
                .tool("getLocation", "The user's city", Map.of("type", "object"))
                .field(
                    "simulation",
                    Map.of(
                        "tokens_per_second",
                        0,
                        "script",
                        List.of(
                            Map.of("type", "call", "name", "getLocation", "input", Map.of()),
                            Map.of("type", "text", "text", "You are in Oslo.")))));
    List<StreamPart> parts = new ArrayList<>();
    boolean answered = false;
    try (RunStream stream = client.stream(run.runId())) {
      for (StreamPart part : stream) {
        parts.add(part);
        if (part instanceof StreamPart.ToolCall call && call.toolName().equals("getLocation")) {
          answered =
              client.submitToolResult(run.runId(), call.toolCallId(), Map.of("city", "Oslo"));
        }
      }
    }
    assertThat(answered).isTrue();
    StreamPart.ToolResult result =
        parts.stream()
            .filter(StreamPart.ToolResult.class::isInstance)
            .map(StreamPart.ToolResult.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(result.output().path("city").asString()).isEqualTo("Oslo");
    assertThat(parts.getLast()).isInstanceOf(StreamPart.Finish.class);
    StreamPart.ToolCall call =
        parts.stream()
            .filter(StreamPart.ToolCall.class::isInstance)
            .map(StreamPart.ToolCall.class::cast)
            .findFirst()
            .orElseThrow();
    // once the run has ended, the same call has nothing to answer
    await().atMost(Duration.ofSeconds(10)).until(() -> client.run(run.runId()).ended());
    assertThat(client.submitToolResult(run.runId(), call.toolCallId(), Map.of("city", "Bergen")))
        .isFalse();
  }

  @Test
  void shouldStopARunAndEndItsStreamWithAbortThenFinish() {
    String token = TestApi.freshToken();
    RunstreamClient client = client(api().base(), token);
    StartedRun run =
        client.startRun(
            RunRequest.of("Slowly, please")
                .field("simulation", Map.of("tokens_per_second", 5, "output_tokens", 200)));
    List<StreamPart> parts = new ArrayList<>();
    try (RunStream stream = client.stream(run.runId())) {
      for (StreamPart part : stream) {
        parts.add(part);
        if (part instanceof StreamPart.TextDelta) {
          client.cancel(run.runId());
        }
      }
    }
    assertThat(parts).anySatisfy(part -> assertThat(part).isInstanceOf(StreamPart.Abort.class));
    assertThat(parts.getLast())
        .isInstanceOfSatisfying(
            StreamPart.Finish.class, finish -> assertThat(finish.finishReason()).isNull());
    assertThat(client.run(run.runId()).status()).isEqualTo("cancelled");
  }

  @Test
  void shouldThrowTheServersProblemsWithTheirCodes() {
    String token = TestApi.freshToken();
    RunstreamClient client = client(api().base(), token);
    StartedRun run =
        client.startRun(
            RunRequest.of("Slowly")
                .field("simulation", Map.of("tokens_per_second", 2, "output_tokens", 100)));
    assertThatThrownBy(() -> client.sendMessage(run.sessionId(), "and another thing"))
        .isInstanceOfSatisfying(
            RunstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.code()).isEqualTo("run_in_progress");
            });
    client.cancel(run.runId());
    // another user's run: 404, as for a run that does not exist
    RunstreamClient stranger = client(api().base(), TestApi.freshToken());
    assertThatThrownBy(() -> stranger.stream(run.runId()).forEach(part -> {}))
        .isInstanceOfSatisfying(
            RunstreamException.class, e -> assertThat(e.status()).isEqualTo(404));
    RunstreamClient anonymous = RunstreamClient.builder(URI.create(api().base())).build();
    assertThatThrownBy(() -> anonymous.run(run.runId()))
        .isInstanceOfSatisfying(
            RunstreamException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  private int port() {
    return URI.create(api().base()).getPort();
  }

  /**
   * A TCP proxy that cuts the first {@code cuts} connections after {@code bytes} bytes from the
   * server.
   */
  private static final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final AtomicInteger cut = new AtomicInteger();
    private final int max;

    CuttingProxy(int upstream, int cuts, int bytes) throws IOException {
      this.max = cuts;
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                while (!listener.isClosed()) {
                  try {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), upstream);
                    Thread.ofVirtual().start(() -> pipe(client, server, Long.MAX_VALUE, null));
                    Thread.ofVirtual()
                        .start(
                            () -> pipe(server, client, bytes, () -> cut.getAndIncrement() < cuts));
                  } catch (IOException e) {
                    return;
                  }
                }
              });
    }

    int port() {
      return listener.getLocalPort();
    }

    int cuts() {
      return Math.min(cut.get(), max);
    }

    /**
     * Copies until the end; at {@code limit} bytes, closes both sockets if {@code cutNow} says so
     * (and copies on otherwise).
     */
    private static void pipe(Socket from, Socket to, long limit, BooleanSupplier cutNow) {
      long copied = 0;
      byte[] buffer = new byte[512];
      try (from;
          to) {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied))) > 0) {
          out.write(buffer, 0, n);
          out.flush();
          copied += n;
          if (copied >= limit) {
            if (cutNow != null && cutNow.getAsBoolean()) {
              return;
            }
            limit = Long.MAX_VALUE;
          }
        }
      } catch (IOException e) {
        // the other side went away
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }
}
