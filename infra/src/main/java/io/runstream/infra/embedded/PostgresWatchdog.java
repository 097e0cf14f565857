package io.runstream.infra.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the embedded PostgreSQL when this JVM dies without stopping it ({@code kill -9}, the
 * out-of-memory killer, a closed terminal): PostgreSQL is a separate process, detached by {@code
 * pg_ctl}, that would otherwise live on as an orphan holding its port and data directory.
 *
 * <p>A tiny {@code sh} beside the JVM (named {@value #NAME}) blocks reading a pipe whose other end
 * only this JVM holds. The kernel closes that end when the JVM ends, however it ends; the watchdog
 * then reads end-of-file and asks the postmaster for a fast shutdown ({@code SIGINT}), if the data
 * directory's {@code postmaster.pid} still names it. When the JVM stops PostgreSQL itself it {@link
 * #release() releases} the watchdog first, which then exits doing nothing. It ignores {@code
 * SIGHUP}, {@code SIGINT} and {@code SIGTERM}, so that a terminal's signals to the JVM's process
 * group do not end it before the JVM.
 */
final class PostgresWatchdog {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresWatchdog.class);

  /** The watchdog's name in {@code ps} ({@code sh -c … runstream-postgres-watchdog PID DIR}). */
  static final String NAME = "runstream-postgres-watchdog";

  private static final String RELEASED = "released";

  private static final String SCRIPT =
      """
      trap '' HUP INT TERM
      read -r word
      [ "$word" = %s ] && exit 0
      [ "$(head -n 1 "$2/postmaster.pid" 2>/dev/null)" = "$1" ] && kill -INT "$1"
      exit 0
      """
          .formatted(RELEASED);

  private final Process process;

  private PostgresWatchdog(Process process) {
    this.process = process;
  }

  /**
   * Starts a watchdog of the PostgreSQL running on {@code dataDir} (the one its {@code
   * postmaster.pid} names); null (with a warning) where no watchdog can run: no {@code
   * postmaster.pid}, or no {@code /bin/sh}.
   */
  static PostgresWatchdog watch(Path dataDir) {
    Path sh = Path.of("/bin/sh");
    long pid;
    try {
      pid = postmasterPid(dataDir);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "No watchdog for PostgreSQL on {} (cannot read its postmaster.pid: {}): if this JVM is killed, "
              + "PostgreSQL stays running until the next start on this directory stops it",
          dataDir,
          e.getMessage());
      return null;
    }
    if (!Files.isExecutable(sh)) {
      LOG.warn(
          "No watchdog for PostgreSQL (no /bin/sh): if this JVM is killed, PostgreSQL (pid {}) stays running "
              + "until the next start on {} stops it",
          pid,
          dataDir);
      return null;
    }
    try {
      Process process =
          new ProcessBuilder(
                  sh.toString(),
                  "-c",
                  SCRIPT,
                  NAME,
                  Long.toString(pid),
                  dataDir.toAbsolutePath().toString())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      LOG.debug("PostgreSQL (pid {}) watched by {} (pid {})", pid, NAME, process.pid());
      return new PostgresWatchdog(process);
    } catch (IOException e) {
      LOG.warn(
          "No watchdog for PostgreSQL ({}): if this JVM is killed, PostgreSQL (pid {}) stays running until the "
              + "next start on {} stops it",
          e.getMessage(),
          pid,
          dataDir);
      return null;
    }
  }

  /** The pid on the first line of the data directory's {@code postmaster.pid}. */
  static long postmasterPid(Path dataDir) throws IOException {
    List<String> lines =
        Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      throw new IOException("postmaster.pid is empty");
    }
    return Long.parseLong(lines.getFirst().strip());
  }

  /**
   * Tells the watchdog that this JVM stopped PostgreSQL itself: it exits without doing anything.
   */
  void release() {
    try (OutputStream in = process.getOutputStream()) {
      in.write((RELEASED + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      // It is gone already.
    }
  }
}
