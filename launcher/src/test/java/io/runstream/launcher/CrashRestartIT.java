package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.core.identity.DevTokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue #30: the embedded default comes back after a crash by itself. {@code bin/runstream start}'s
 * JVM (the built launcher jar, in its own process on a fresh data directory) is killed with SIGKILL
 * mid-run, twice:
 *
 * <ol>
 *   <li>together with its PostgreSQL watchdog, so that PostgreSQL is left running as an orphan: the
 *       next start on the same directory stops it (one log line) and comes up with no manual step;
 *   <li>alone: the watchdog stops PostgreSQL as soon as the JVM is gone, and the next start finds
 *       nothing left.
 * </ol>
 *
 * <p>Each time, a reader that had read part of the run resumes it with its last id on the restarted
 * node and gets the rest, the lost worker's {@code error} (retryable), {@code finish} and {@code
 * [DONE]}, within 10 s of the node answering: the previous process's runs are ended at start, not
 * after their lease. Nothing the reader had is lost or sent twice: what it read before the kill and
 * after the resume is exactly a full replay of the run.
 */
class CrashRestartIT {
  private static final Path JAR = Path.of("target", "runstream-launcher-0.1.0-SNAPSHOT-exec.jar");
  private static final String SECRET = "crash-restart-it-secret-0123456789-0123456789-ab";
  private static final Duration RESUMED_WITHIN = Duration.ofSeconds(10);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final List<Node> nodes = new ArrayList<>();
  private Path dataDir;

  /** One {@code bin/runstream start} process. */
  private record Node(Process process, Path log, int httpPort) {
    TestApi api() {
      return new TestApi(httpPort);
    }

    String output() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    /** The watchdog sh that the JVM started beside its PostgreSQL. */
    ProcessHandle watchdog() {
      return process
          .descendants()
          .filter(
              p ->
                  p.info()
                      .arguments()
                      .map(a -> Arrays.asList(a).contains("runstream-postgres-watchdog"))
                      .orElse(false))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no runstream-postgres-watchdog beside the JVM"));
    }
  }

  /** A run that a reader was reading when the node was killed. */
  private record Interrupted(String runId, List<TestApi.Event> read) {
    String lastId() {
      return read.getLast().id();
    }
  }

  @Test
  void shouldComeBackAfterSigkillWithNoManualStepAndEndTheLostRunForAResumedReaderWithin10s()
      throws Exception {
    Assumptions.assumeTrue(Files.exists(JAR), "the launcher jar is built in the package phase");
    Path target = Path.of("target").toAbsolutePath();
    dataDir = Files.createTempDirectory(target, "crash-restart-");
    int http = freePort();
    int kafka = freePortPair();
    int postgres = freePort();
    String token =
        DevTokens.mint(
            SECRET,
            "crash-user",
            "org-" + UUID.randomUUID(),
            "Crash User",
            "crash@example.com",
            false,
            Duration.ofHours(1));
    Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");

    // 1. The JVM and its watchdog killed together: PostgreSQL is left running, an orphan holding
    // its port.
    Node first = start("first", http, kafka, postgres);
    long orphan = postmasterPid(pidFile);
    Interrupted one = interruptRun(first, token, true);
    assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).contains(true);
    assertThat(postmasterPid(pidFile))
        .as("PostgreSQL left running on the data directory")
        .isEqualTo(orphan);

    Node second = start("second", http, kafka, postgres);
    long ready = System.nanoTime();
    resumeToTheEnd(second, token, one, ready);
    assertThat(second.output())
        .contains("Stopped the PostgreSQL (pid " + orphan + ", port " + postgres + ")");

    // 2. The JVM alone killed: its watchdog stops PostgreSQL, and nothing is left for the next
    // start to stop.
    Interrupted two = interruptRun(second, token, false);
    await("PostgreSQL stopped by the watchdog")
        .atMost(Duration.ofSeconds(30))
        .until(() -> !Files.exists(pidFile));

    Node third = start("third", http, kafka, postgres);
    ready = System.nanoTime();
    resumeToTheEnd(third, token, two, ready);
    assertThat(third.output()).doesNotContain("Stopped the PostgreSQL");
  }

  /**
   * Starts a run paced at 20 tokens/s (400 tokens: 20 s), reads its first events, and kills the
   * node's JVM mid-run with SIGKILL (first its PostgreSQL watchdog, also with SIGKILL, if {@code
   * withWatchdog}).
   */
  private Interrupted interruptRun(Node node, String token, boolean withWatchdog) throws Exception {
    TestApi.Answer created =
        node.api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":20,\"output_tokens\":400,\"seed\":7}}");
    assertThat(created.status()).as(created.body()).isEqualTo(202);
    String runId = created.json().path("run_uuid").asString();
    List<TestApi.Event> read = new ArrayList<>();
    try (TestApi.Stream stream = node.api().stream("/api/v1/runs/" + runId + "/stream", token)) {
      assertThat(stream.status).isEqualTo(200);
      read.addAll(stream.take(15, Duration.ofSeconds(30)));
      assertThat(read).hasSize(15);
      assertThat(read.getLast().done()).isFalse();
      if (withWatchdog) {
        ProcessHandle watchdog = node.watchdog();
        watchdog.destroyForcibly();
        watchdog.onExit().get(10, TimeUnit.SECONDS);
      }
      node.process().destroyForcibly().waitFor();
      // Whatever else reached the reader before its connection died counts as read.
      read.addAll(stream.all(Duration.ofSeconds(5)));
    }
    assertThat(read.getLast().done())
        .as("the run was still going when its node was killed")
        .isFalse();
    return new Interrupted(runId, read);
  }

  /**
   * Resumes the interrupted run on the restarted node with its last id: the rest, then the lost
   * worker's end, within 10 s of the node answering; then checks nothing read was lost or doubled
   * against a full replay.
   */
  private void resumeToTheEnd(Node node, String token, Interrupted run, long readyNanos)
      throws Exception {
    String path = "/api/v1/runs/" + run.runId() + "/stream";
    List<TestApi.Event> after;
    try (TestApi.Stream resumed =
        node.api().stream(path, token, Map.of("Last-Event-ID", run.lastId()))) {
      assertThat(resumed.status).isEqualTo(200);
      Duration left = RESUMED_WITHIN.minusNanos(System.nanoTime() - readyNanos);
      after = resumed.untilDone(left.isNegative() ? Duration.ZERO : left);
    }
    System.out.printf(
        "CrashRestartIT: run %s resumed after id %s: %d more events, [DONE] %d ms after the restarted "
            + "node answered%n",
        run.runId(), run.lastId(), after.size(), (System.nanoTime() - readyNanos) / 1_000_000);
    assertThat(after)
        .as("the resumed stream within %s of the restart:%n%s", RESUMED_WITHIN, node.output())
        .isNotEmpty();
    assertThat(after.getLast().done())
        .as("[DONE] within %s of the restart, got %s", RESUMED_WITHIN, after)
        .isTrue();
    assertThat(after).extracting(TestApi.Event::type).endsWith("error", "finish", "[DONE]");
    TestApi.Event error = after.get(after.size() - 3);
    assertThat(error.json().path("errorText").asString()).contains("lost");
    assertThat(after.get(after.size() - 2).json().path("finishReason").asString())
        .isEqualTo("error");

    // Ids go on from the reader's last one, in order.
    List<Long> ids = new ArrayList<>();
    run.read().forEach(e -> ids.add(e.seq()));
    after.stream().filter(e -> !e.done()).forEach(e -> ids.add(e.seq()));
    assertThat(ids).isSorted().doesNotHaveDuplicates();

    // Every event the reader had is kept: before and after together are exactly a full replay of
    // the run.
    List<TestApi.Event> whole;
    try (TestApi.Stream replay = node.api().stream(path, token)) {
      whole = replay.untilDone(Duration.ofSeconds(30));
    }
    List<String> stitched = new ArrayList<>();
    run.read().forEach(e -> stitched.add(e.id() + " " + e.data()));
    after.forEach(e -> stitched.add(e.id() + " " + e.data()));
    assertThat(stitched).isEqualTo(whole.stream().map(e -> e.id() + " " + e.data()).toList());

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              TestApi.Answer status = node.api().get("/api/v1/runs/" + run.runId(), token);
              assertThat(status.json().path("status").asString()).isEqualTo("failed");
              assertThat(status.json().path("error").path("code").asString())
                  .isEqualTo("worker_lost");
            });
  }

  /**
   * Starts {@code bin/runstream start}'s JVM on the data directory and waits until its HTTP port
   * answers.
   */
  private Node start(String name, int http, int kafka, int postgres) throws IOException {
    Path log = dataDir.resolveSibling(dataDir.getFileName() + "-" + name + ".log");
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder =
        new ProcessBuilder(java, "-Xmx1g", "-XX:+UseZGC", "-jar", JAR.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("RUNSTREAM_DATA_DIR", dataDir.toString());
    env.put("RUNSTREAM_HTTP_PORT", Integer.toString(http));
    env.put("RUNSTREAM_KAFKA_PORT", Integer.toString(kafka));
    env.put("RUNSTREAM_POSTGRES_PORT", Integer.toString(postgres));
    env.put("RUNSTREAM_PARTITIONS", "2");
    env.put("RUNSTREAM_JWT_SECRET", SECRET);
    long started = System.nanoTime();
    Node node = new Node(builder.start(), log, http);
    nodes.add(node);
    await(name + " start to answer")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!node.process().isAlive()) {
                throw new AssertionError(
                    "the "
                        + name
                        + " start ended (exit "
                        + node.process().exitValue()
                        + "):\n"
                        + node.output());
              }
              return healthy(http);
            });
    System.out.printf(
        "CrashRestartIT: the %s start answered after %d ms%n",
        name, (System.nanoTime() - started) / 1_000_000);
    return node;
  }

  private static boolean healthy(int port) throws InterruptedException {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                      .timeout(Duration.ofSeconds(2))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    }
  }

  private static long postmasterPid(Path pidFile) throws IOException {
    return Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (Node node : nodes) {
      if (node.process().isAlive()) {
        node.process().destroy();
        if (!node.process().waitFor(30, TimeUnit.SECONDS)) {
          node.process().destroyForcibly().waitFor();
        }
      }
    }
    // A PostgreSQL this test left running (a failure between its two kills): asked to stop by its
    // pid.
    Path pidFile = dataDir == null ? null : dataDir.resolve("postgres").resolve("postmaster.pid");
    if (pidFile != null && Files.exists(pidFile)) {
      ProcessHandle.of(postmasterPid(pidFile)).ifPresent(ProcessHandle::destroy);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  /** A free port whose next port is free too (the broker's controller takes it). */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = freePort();
      try (ServerSocket next = new ServerSocket()) {
        next.setReuseAddress(true);
        next.bind(new InetSocketAddress("127.0.0.1", port + 1));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no two consecutive free ports");
  }
}
