package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The real {@code eventsource} npm client resumes through a dropped connection by cookie alone, until the 204. */
class EventSourceClientIT extends PlatformIT {

  private static final Path NODE_DIR = Path.of("src", "test", "node");
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(90);

  /** What {@code eventsource-resume.mjs} prints: one request per EventSource connection, as the proxy saw it. */
  record Outcome(
      List<TestApi.Event> events,
      int connections,
      int tcpConnections,
      List<String> lastEventIds,
      List<Boolean> cookies,
      List<Boolean> authorizations,
      boolean cut,
      Integer receivedBeforeCut,
      boolean closedBy204,
      List<Map<String, Object>> errors) {}

  /** A finished child process and what it wrote. */
  record Finished(int exitCode, String stdout, String stderr) {
    String describe() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  @Test
  void shouldResumeARealEventSourceThroughADroppedConnectionByCookieAlone() throws Exception {
    Optional<Path> node = onPath("node");
    Optional<Path> npm = onPath("npm");
    assumeTrue(node.isPresent(), "node is not on the PATH");
    assumeTrue(npm.isPresent(), "npm is not on the PATH");
    installClient(npm.get());

    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created = api.post("/api/v1/sessions", token, TestApi.sessionBody("drop me", 200, 100));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String sessionId = created.json().path("uuid").asString();

    Finished run =
        run(SCRIPT_TIMEOUT, node.get().toString(), "eventsource-resume.mjs", api.base(), sessionId, token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    Outcome outcome = TestApi.JSON.readValue(lastLine(run.stdout()), Outcome.class);
    String described = run.stdout();

    // Every event once, in order, across the cut: the chunks' ids are consecutive and [DONE] repeats the last.
    List<TestApi.Event> events = outcome.events();
    assertThat(events).as(described).hasSizeGreaterThan(2);
    assertThat(events.getLast().done()).as(described).isTrue();
    List<TestApi.Event> chunks = events.subList(0, events.size() - 1);
    List<Long> ids = chunks.stream().map(TestApi.Event::seq).toList();
    assertThat(ids).as(described).doesNotHaveDuplicates();
    assertThat(ids)
        .as(described)
        .isEqualTo(LongStream.range(ids.getFirst(), ids.getFirst() + ids.size()).boxed().toList());
    assertThat(events.getLast().id()).as(described).isEqualTo(chunks.getLast().id());
    assertThat(chunks.getLast().type()).as(described).isEqualTo("finish");
    String text =
        chunks.stream()
            .filter(e -> e.type().equals("text-delta"))
            .map(e -> e.json().path("delta").asString())
            .collect(Collectors.joining());
    assertThat(text).as(described).isNotBlank();

    // The first connection was cut mid-stream, the client resumed from what it had, then ended on the 204.
    assertThat(outcome.cut()).as(described).isTrue();
    assertThat(outcome.receivedBeforeCut()).as(described).isNotNull().isBetween(1, chunks.size() - 1);
    assertThat(outcome.connections()).as(described).isGreaterThanOrEqualTo(3);
    assertThat(outcome.lastEventIds().getFirst()).as(described).isNull();
    assertThat(outcome.lastEventIds().get(1))
        .as(described)
        .isEqualTo(events.get(outcome.receivedBeforeCut() - 1).id());
    assertThat(outcome.lastEventIds().getLast()).as(described).isEqualTo(events.getLast().id());
    assertThat(outcome.closedBy204()).as(described).isTrue();

    // Cookie alone: every request carried the cookie and none an Authorization header.
    assertThat(outcome.cookies()).as(described).hasSize(outcome.connections()).containsOnly(true);
    assertThat(outcome.authorizations()).as(described).hasSize(outcome.connections()).containsOnly(false);
  }

  /** Installs the pinned client from the lock file unless it is there already. */
  private static void installClient(Path npm) throws IOException, InterruptedException {
    if (Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("eventsource"))) {
      return;
    }
    Finished install =
        Files.exists(NODE_DIR.resolve("package-lock.json"))
            ? run(INSTALL_TIMEOUT, npm.toString(), "ci", "--no-audit", "--no-fund")
            : run(INSTALL_TIMEOUT, npm.toString(), "install", "--no-audit", "--no-fund");
    assertThat(install.exitCode()).as("npm failed: " + install.describe()).isZero();
  }

  /** Runs a command in {@link #NODE_DIR}, failing the test with its output if it outlives the timeout. */
  private static Finished run(Duration timeout, String... command) throws IOException, InterruptedException {
    Path stdout = Files.createTempFile("eventsource-it", ".out");
    Path stderr = Files.createTempFile("eventsource-it", ".err");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(NODE_DIR.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      process.getOutputStream().close();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        fail("%s did not finish within %s\n--- stdout\n%s\n--- stderr\n%s", String.join(" ", command), timeout,
            Files.readString(stdout, StandardCharsets.UTF_8), Files.readString(stderr, StandardCharsets.UTF_8));
      }
      return new Finished(
          process.exitValue(),
          Files.readString(stdout, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  private static String lastLine(String output) {
    List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as("no output").isNotEmpty();
    return lines.getLast();
  }

  /** The executable of that name on the PATH, if any. */
  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .flatMap(dir -> List.of(name, name + ".exe", name + ".cmd").stream().map(file -> Path.of(dir, file)))
        .filter(file -> Files.isRegularFile(file) && Files.isExecutable(file))
        .findFirst();
  }
}
