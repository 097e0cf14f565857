package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs clients we did not write (npm and Python packages) as child processes of a test. */
final class ExternalClients {
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);

  private ExternalClients() {}

  /** A finished child process and what it wrote. */
  record Finished(int exitCode, String stdout, String stderr) {
    String describe() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /** Installs the npm packages pinned by the folder's lock file unless they are there already. */
  static synchronized void installNodeClients(Path npm, Path dir)
      throws IOException, InterruptedException {
    installNodeClients(
        npm, dir, "eventsource", "playwright-core", "@modelcontextprotocol/server-everything");
  }

  /**
   * Installs the folder's npm packages (its lock file) unless {@code modules} are there already.
   */
  static synchronized void installNodeClients(Path npm, Path dir, String... modules)
      throws IOException, InterruptedException {
    Path installed = dir.resolve("node_modules");
    if (Arrays.stream(modules).allMatch(module -> Files.isDirectory(installed.resolve(module)))) {
      return;
    }
    Finished install =
        Files.exists(dir.resolve("package-lock.json"))
            ? run(dir, INSTALL_TIMEOUT, npm.toString(), "ci", "--no-audit", "--no-fund")
            : run(dir, INSTALL_TIMEOUT, npm.toString(), "install", "--no-audit", "--no-fund");
    assertThat(install.exitCode()).as("npm failed: " + install.describe()).isZero();
  }

  /** Runs a command in {@code dir}, failing the test with its output if it outlives the timeout. */
  static Finished run(Path dir, Duration timeout, String... command)
      throws IOException, InterruptedException {
    return run(dir, timeout, Map.of(), command);
  }

  /** Runs a command in {@code dir} with extra environment variables. */
  static Finished run(
      Path dir, Duration timeout, Map<String, String> environment, String... command)
      throws IOException, InterruptedException {
    Path stdout = Files.createTempFile("client-it", ".out");
    Path stderr = Files.createTempFile("client-it", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(environment);
      Process process =
          builder
              .directory(dir.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      process.getOutputStream().close();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        fail(
            "%s did not finish within %s\n--- stdout\n%s\n--- stderr\n%s",
            String.join(" ", command),
            timeout,
            Files.readString(stdout, StandardCharsets.UTF_8),
            Files.readString(stderr, StandardCharsets.UTF_8));
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

  static String lastLine(String output) {
    List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as("no output").isNotEmpty();
    return lines.getLast();
  }

  /** The executable of that name on the PATH, if any. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .flatMap(
            dir ->
                List.of(name, name + ".exe", name + ".cmd").stream()
                    .map(file -> Path.of(dir, file)))
        .filter(file -> Files.isRegularFile(file) && Files.isExecutable(file))
        .findFirst();
  }

  /**
   * A Python 3 that imports {@code requests}: Debian's first ({@code python3-requests}), then the
   * PATH's.
   */
  static Optional<Path> pythonWithRequests() throws IOException, InterruptedException {
    List<Path> candidates = new ArrayList<>();
    candidates.add(Path.of("/usr/bin/python3"));
    onPath("python3").ifPresent(candidates::add);
    for (Path python : candidates) {
      if (Files.isExecutable(python)
          && run(Path.of("."), Duration.ofSeconds(30), python.toString(), "-c", "import requests")
                  .exitCode()
              == 0) {
        return Optional.of(python);
      }
    }
    return Optional.empty();
  }
}
