package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.infra.embedded.EmbeddedPlatform;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue #15: a second fan-out node as its own process, started from the built jar the way {@code
 * bin/runstream start fanout} does, against the platform's broker and PostgreSQL; 100 readers of 20
 * live runs attached to it; the process killed with SIGKILL mid-run; every reader resumes on this
 * node with its last id and ends with exactly the events of an uninterrupted read.
 */
class FanoutProcessKillIT extends PlatformIT {
  private static final Path JAR = Path.of("target", "runstream-launcher-0.1.0-SNAPSHOT-exec.jar");
  private static final int RUNS = 20;
  private static final int READERS_PER_RUN = 5;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Process startFanoutProcess(int port, Path log) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx512m",
                "-cp",
                JAR.toAbsolutePath().toString(),
                "-Dloader.main=io.runstream.fanout.FanoutApplication",
                "org.springframework.boot.loader.launch.PropertiesLauncher",
                "--server.port=" + port,
                "--server.shutdown=immediate",
                "--runstream.fanout.max-streams-per-user=50",
                "--runstream.security.jwt-secret=" + TestApi.SECRET));
    EmbeddedPlatform.shared()
        .serviceProperties()
        .forEach((key, value) -> command.add("--" + key + "=" + value));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static void awaitHealthy(int port, Process process, Path log) {
    HttpClient http = HttpClient.newHttpClient();
    Awaitility.await("the fan-out process to be healthy")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("the fan-out process died:\n" + Files.readString(log));
              }
              try {
                return http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                .GET()
                                .build(),
                            HttpResponse.BodyHandlers.ofString())
                        .statusCode()
                    == 200;
              } catch (IOException e) {
                return false;
              }
            });
  }

  private record Reader(
      String token, String path, TestApi.Stream stream, List<TestApi.Event> before) {}

  @Test
  void shouldMoveEveryReaderOfAKilledFanoutProcessToTheOtherNodeWithNothingLostOrTwice()
      throws Exception {
    Assumptions.assumeTrue(Files.exists(JAR), "the launcher jar is built in the package phase");
    int port = freePort();
    Path log = Files.createTempFile("fanout-process", ".log");
    Process process = startFanoutProcess(port, log);
    try {
      awaitHealthy(port, process, log);
      TestApi nodeB = new TestApi(port);
      List<Reader> readers = new ArrayList<>();
      for (int run = 0; run < RUNS; run++) {
        String token = TestApi.freshToken();
        TestApi.Answer created =
            api()
                .post(
                    "/api/v1/sessions", token, TestApi.sessionBody("Tell a story " + run, 400, 40));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String path = "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream";
        for (int r = 0; r < READERS_PER_RUN; r++) {
          TestApi.Stream stream = nodeB.stream(path, token);
          assertThat(stream.status).isEqualTo(200);
          readers.add(new Reader(token, path, stream, new ArrayList<>()));
        }
      }
      for (Reader reader : readers) {
        reader.before().addAll(reader.stream().take(5, Duration.ofSeconds(30)));
        assertThat(reader.before()).hasSize(5);
      }
      process.destroyForcibly().waitFor();
      int moved = 0;
      for (Reader reader : readers) {
        // Whatever else reached the reader before the connection died counts as read.
        reader.before().addAll(reader.stream().all(Duration.ofSeconds(5)));
        reader.stream().close();
        String last = reader.before().getLast().id();
        boolean hadAll = reader.before().getLast().done();
        List<TestApi.Event> after;
        try (TestApi.Stream resumed =
            api().stream(reader.path(), reader.token(), Map.of("Last-Event-ID", last))) {
          assertThat(resumed.status).isEqualTo(hadAll ? 204 : 200);
          after =
              hadAll
                  ? List.of(reader.before().getLast())
                  : resumed.untilDone(Duration.ofSeconds(60));
        }
        List<TestApi.Event> whole;
        try (TestApi.Stream again = api().stream(reader.path(), reader.token())) {
          whole = again.untilDone(Duration.ofSeconds(60));
        }
        List<String> stitched = new ArrayList<>();
        reader.before().stream()
            .filter(e -> !e.done())
            .forEach(e -> stitched.add(e.id() + " " + e.data()));
        after.forEach(e -> stitched.add(e.id() + " " + e.data()));
        assertThat(stitched).isEqualTo(whole.stream().map(e -> e.id() + " " + e.data()).toList());
        moved++;
      }
      assertThat(moved).isEqualTo(RUNS * READERS_PER_RUN);
    } finally {
      process.destroyForcibly();
    }
  }
}
