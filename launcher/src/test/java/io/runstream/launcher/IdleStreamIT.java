package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A held stream costs no thread while its run is quiet (issue #12 goal 3): once a reader has caught
 * up, its request is suspended and its events are written as they come; a client that goes away
 * frees its stream at once, with no error written into the event stream or the log.
 */
class IdleStreamIT extends PlatformIT {
  @Autowired MeterRegistry meters;

  @Test
  void shouldHoldQuietStreamsWithoutThreadsDeliverTheirEventsAndFreeThemWhenClientsGo()
      throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    // One event a second: the streams are quiet between them.
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("quiet", 40, 1))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    Logger problems = (Logger) LoggerFactory.getLogger("io.runstream.core.problem.ProblemAdvice");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    problems.addAppender(logged);
    List<TestApi.Stream> held = new ArrayList<>();
    try {
      for (int i = 0; i < 25; i++) {
        TestApi.Stream stream = api.stream(path, token);
        assertThat(stream.status).isEqualTo(200);
        held.add(stream);
      }
      for (TestApi.Stream stream : held) {
        assertThat(stream.take(2, Duration.ofSeconds(10)))
            .as("the first events of every stream")
            .hasSize(2);
      }

      // A thread dump of this JVM, virtual threads included: the held streams do not wait in
      // threads of their own
      // (at most the few writing an event at this instant are in the fan-out's code).
      long inStreams = threadsIn("io.runstream.fanout.");
      assertThat(inStreams)
          .as("threads in the fan-out's code while 25 streams are held")
          .isLessThan(5);

      // Every stream still gets the run's events as they come, in order.
      for (TestApi.Stream stream : held) {
        List<TestApi.Event> more = stream.take(2, Duration.ofSeconds(10));
        assertThat(more).hasSize(2);
        assertThat(Long.parseLong(more.get(1).id()))
            .isEqualTo(Long.parseLong(more.get(0).id()) + 1);
      }

      double liveWhileHeld = meters.get("runstream.fanout.streams.live").gauge().value();
      held.forEach(TestApi.Stream::close);
      held.clear();
      // The node sees a client gone at its stream's next write (Jetty, ADR 0018: here the run's
      // next
      // event, within a second or two): the 25 are freed then, as the node itself counts them.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  meters.get("runstream.fanout.streams.live").gauge().value()
                      <= liveWhileHeld - 25);
      // The user may hold 30 streams: all 30 open again at once now that the 25 that went away
      // were freed (each attempt's own streams are freed at their next write too, so attempts are
      // spaced by more than that).
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(2500))
          .untilAsserted(
              () -> {
                List<TestApi.Stream> again = new ArrayList<>();
                try {
                  for (int i = 0; i < 30; i++) {
                    TestApi.Stream stream = api.stream(path, token);
                    again.add(stream);
                    assertThat(stream.status)
                        .as("stream %d after the others went away", i)
                        .isEqualTo(200);
                  }
                } finally {
                  again.forEach(TestApi.Stream::close);
                }
              });
      // Nothing logged when the clients went away, then or a moment later (an error dispatch comes
      // after the fact).
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                List<String> warnings;
                synchronized (logged) {
                  // the appender appends under its own lock
                  warnings =
                      logged.list.stream()
                          .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                          .map(ILoggingEvent::getFormattedMessage)
                          .toList();
                }
                assertThat(warnings).as("errors logged when clients went away").isEmpty();
              });
    } finally {
      held.forEach(TestApi.Stream::close);
      problems.detachAppender(logged);
      api.post("/api/v1/sessions/" + sessionId + "/stream/stop", token, "");
    }
  }

  /**
   * Clients that drop their connection mid-stream (a reset, as from a dying network) while other
   * clients reuse kept- alive connections: the container reuses the dropped request's connection
   * state for another request, and nothing of the dropped stream (a late write, a late completion)
   * may reach the new one. Each reconnection must get its events.
   */
  @Test
  void shouldNotLetADroppedStreamTouchTheNextRequestOnItsRecycledProcessor() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String live =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("busy", 3000, 100))
            .json()
            .path("uuid")
            .asString();
    String finished =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("short", 3, 0))
            .json()
            .path("uuid")
            .asString();
    api.stream("/api/v1/sessions/" + finished + "/stream", token).untilDone(Duration.ofSeconds(10));
    URI base = URI.create(api.base());
    try {
      for (int i = 0; i < 40; i++) {
        try (Socket kept = new Socket(base.getHost(), base.getPort());
            Socket dropped = new Socket(base.getHost(), base.getPort())) {
          kept.setSoTimeout(10_000);
          dropped.setSoTimeout(10_000);
          // A kept-alive connection: one request answered 204 (the reader had everything), then
          // idle.
          send(kept, "/api/v1/sessions/" + finished + "/stream", token, "1000000");
          assertThat(readUntil(kept, "\r\n\r\n")).startsWith("HTTP/1.1 204");
          // A stream that is read for a moment, then reset mid-stream.
          send(dropped, "/api/v1/sessions/" + live + "/stream", token, null);
          readUntil(dropped, "\nid: ");
          dropped.setSoLinger(true, 0);
          dropped.close();
          // 0 to 15 ms between the reset and the next request, so that the interleavings vary (not
          // a wait for a state).
          Thread.sleep(i % 4 * 5);
          // The kept-alive connection resumes the stream: it must get events, not an end after the
          // opening.
          send(kept, "/api/v1/sessions/" + live + "/stream", token, "3");
          String answer = readUntil(kept, "\nid: ");
          assertThat(answer).as("reconnection %d", i).startsWith("HTTP/1.1 200").contains("\nid: ");
        }
      }
    } finally {
      api.post("/api/v1/sessions/" + live + "/stream/stop", token, "");
    }
  }

  private static void send(Socket socket, String path, String token, String lastEventId)
      throws Exception {
    String request =
        "GET "
            + path
            + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + token
            + "\r\nAccept: text/event-stream\r\n"
            + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
            + "\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /**
   * Reads until {@code marker} arrives or the response ends (its last chunk, or the connection
   * closing).
   */
  private static String readUntil(Socket socket, String marker) throws Exception {
    StringBuilder text = new StringBuilder();
    InputStream in = socket.getInputStream();
    int b;
    while ((b = in.read()) != -1) {
      text.append((char) b);
      if (text.indexOf(marker) >= 0 || text.indexOf("\r\n0\r\n\r\n") >= 0) {
        break;
      }
    }
    return text.toString();
  }

  /** How many threads (virtual ones included) have a frame of a class under {@code prefix}. */
  private static long threadsIn(String prefix) throws Exception {
    Path dump = Files.createTempFile("threads", ".json");
    Files.delete(dump);
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
      JsonNode root = JsonMapper.builder().build().readTree(Files.readString(dump));
      long count = 0;
      for (JsonNode container : root.path("threadDump").path("threadContainers")) {
        for (JsonNode thread : container.path("threads")) {
          for (JsonNode frame : thread.path("stack")) {
            if (frame.asString().startsWith(prefix)) {
              count++;
              break;
            }
          }
        }
      }
      assertThat(root.path("threadDump").path("threadContainers").size())
          .as("thread containers")
          .isPositive();
      return count;
    } finally {
      Files.deleteIfExists(dump);
    }
  }
}
