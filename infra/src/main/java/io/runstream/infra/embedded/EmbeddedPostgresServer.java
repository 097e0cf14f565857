package io.runstream.infra.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from the binaries zonky ships in a Maven artifact. Its data directory is
 * kept across restarts; as root it runs through a user namespace, which zonky sets up.
 *
 * <p>PostgreSQL is a separate process: a {@link PostgresWatchdog} stops it if this JVM dies without
 * stopping it, and a start on a data directory whose PostgreSQL was left running all the same (the
 * watchdog killed too) stops that one first ({@link #stopLeftover}).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  /** The database Runstream uses. */
  public static final String DATABASE = "runstream";

  private volatile EmbeddedPostgres postgres;
  private volatile PostgresWatchdog watchdog;
  private final Path dataDir;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir) {
    this.postgres = postgres;
    this.dataDir = dataDir;
  }

  /**
   * Starts PostgreSQL on the data directory (created if new) and makes sure the {@value #DATABASE}
   * database exists.
   *
   * @param dataDir the data directory, kept across restarts
   * @param port the port; 0 picks a free one
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port) throws IOException {
    Files.createDirectories(dataDir.getParent());
    stopLeftover(dataDir);
    long started = System.nanoTime();
    EmbeddedPostgres postgres = launch(dataDir, port == 0 ? EmbeddedKafkaBroker.freePort() : port);
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, dataDir);
    server.watchdog = PostgresWatchdog.watch(dataDir);
    server.ensureDatabase();
    LOG.info(
        "PostgreSQL ready on port {} in {} ms (data in {})",
        postgres.getPort(),
        (System.nanoTime() - started) / 1_000_000,
        dataDir);
    return server;
  }

  private static EmbeddedPostgres launch(Path dataDir, int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("max_connections", "300")
        .setServerConfig("fsync", "on")
        .start();
  }

  /**
   * Stops PostgreSQL, for outage tests; {@link #restart()} brings it back on the same port and
   * data.
   */
  public synchronized void stop() throws IOException {
    postgres.close();
    releaseWatchdog();
  }

  /** Starts PostgreSQL again after {@link #stop()}, on the same port and data directory. */
  public synchronized void restart() throws IOException {
    postgres = launch(dataDir, postgres.getPort());
    watchdog = PostgresWatchdog.watch(dataDir);
  }

  private void releaseWatchdog() {
    PostgresWatchdog released = watchdog;
    watchdog = null;
    if (released != null) {
      released.release();
    }
  }

  /**
   * Stops a PostgreSQL that a previous process left running on this data directory: its JVM died
   * without stopping it and without its watchdog (both killed at once, say). It is recognised by
   * the data directory's {@code postmaster.pid} (a live {@code postgres} process of this directory)
   * while no live process holds the directory's lock (zonky's {@code epg-lock}, held by the JVM
   * that started it for as long as it runs). A PostgreSQL of another directory, or one whose JVM is
   * alive, is left alone. One log line says what was stopped.
   *
   * @return whether one was stopped
   * @throws IOException with a one-line message if the directory is in use by a running process, or
   *     the leftover does not stop
   */
  public static boolean stopLeftover(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return false;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.size() < 4) {
      return false; // being written, or not PostgreSQL's: PostgreSQL itself judges it
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).strip());
    } catch (NumberFormatException e) {
      return false;
    }
    String port = lines.get(3).strip();
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()
        || !sameDirectory(Path.of(lines.get(1).strip()), dataDir)
        || !isPostgresOf(process.get(), dataDir)) {
      return false; // stale (PostgreSQL replaces it), or not this directory's PostgreSQL
    }
    if (lockedByAnotherProcess(dataDir)) {
      throw new IOException(
          "the data directory "
              + dataDir
              + " is in use by another running process (its "
              + "PostgreSQL, pid "
              + pid
              + ", listens on port "
              + port
              + "): stop that process, or set RUNSTREAM_DATA_DIR "
              + "to another directory.");
    }
    long started = System.nanoTime();
    signalFastShutdown(pid);
    long deadline = started + TimeUnit.SECONDS.toNanos(60);
    while (!stopped(process.get(), pidFile)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            "the PostgreSQL (pid "
                + pid
                + ", port "
                + port
                + ") left running on "
                + dataDir
                + " by a previous start did not stop in 60 s: stop it (kill "
                + pid
                + "), or set RUNSTREAM_DATA_DIR to "
                + "another directory.");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while stopping PostgreSQL " + pid);
      }
    }
    LOG.warn(
        "Stopped the PostgreSQL (pid {}, port {}) that a previous start left running on {} (its JVM ended without "
            + "stopping it) in {} ms",
        pid,
        port,
        dataDir,
        (System.nanoTime() - started) / 1_000_000);
    return true;
  }

  /**
   * Whether a postmaster has stopped: it removes its {@code postmaster.pid} last, after closing its
   * ports. Where nothing reaps orphans (a container whose PID 1 does not), the process stays a
   * zombie: that counts as stopped.
   */
  private static boolean stopped(ProcessHandle process, Path pidFile) {
    if (!process.isAlive() || !Files.exists(pidFile)) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      int name = stat.lastIndexOf(')');
      return name > 0 && name + 2 < stat.length() && stat.charAt(name + 2) == 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean sameDirectory(Path recorded, Path dataDir) {
    try {
      return Files.isSameFile(recorded, dataDir);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether the process is a {@code postgres} and, where its arguments can be read, one started
   * with -D dataDir.
   */
  private static boolean isPostgresOf(ProcessHandle process, Path dataDir) {
    ProcessHandle.Info info = process.info();
    Optional<String> command = info.command();
    if (command.isEmpty() || !Path.of(command.get()).getFileName().toString().equals("postgres")) {
      return false;
    }
    Optional<String[]> arguments = info.arguments();
    if (arguments.isEmpty()) {
      return true; // the postmaster.pid of this directory names it; its arguments cannot be read
      // here
    }
    String[] args = arguments.get();
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("-D")) {
        return sameDirectory(Path.of(args[i + 1]), dataDir);
      }
    }
    return false;
  }

  /**
   * Whether a live process holds the lock zonky takes on the data directory while its PostgreSQL
   * runs.
   */
  private static boolean lockedByAnotherProcess(Path dataDir) throws IOException {
    Path lockFile = dataDir.resolve("epg-lock");
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      return lock == null;
    } catch (OverlappingFileLockException e) {
      return true; // this JVM runs it
    }
  }

  /**
   * Asks a postmaster for a fast shutdown (SIGINT: sessions ended, then a clean stop), as pg_ctl -m
   * fast does.
   */
  private static void signalFastShutdown(long pid) throws IOException {
    try {
      Process kill =
          new ProcessBuilder("kill", "-INT", Long.toString(pid)).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (kill.waitFor() != 0) {
        throw new IOException(
            "cannot stop the PostgreSQL (pid "
                + pid
                + ") left running on this data directory by "
                + "a previous start (kill: "
                + output.strip()
                + "): stop it by hand, or set RUNSTREAM_DATA_DIR to another "
                + "directory.");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping PostgreSQL " + pid);
    }
  }

  private void ensureDatabase() throws IOException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
        if (!rs.next()) {
          statement.execute("CREATE DATABASE " + DATABASE);
        }
      }
    } catch (SQLException e) {
      throw new IOException("could not create the " + DATABASE + " database", e);
    }
  }

  /** The JDBC URL of the {@value #DATABASE} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
  }

  /** The user name to connect with. */
  public String username() {
    return "postgres";
  }

  /** The password to connect with (the embedded server trusts local connections). */
  public String password() {
    return "postgres";
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** The port PostgreSQL listens on. */
  public int port() {
    return postgres.getPort();
  }

  /** A data source of the {@value #DATABASE} database, for tests and tools. */
  public DataSource dataSource() {
    return postgres.getDatabase(username(), DATABASE);
  }

  @Override
  public void close() throws IOException {
    postgres.close();
    releaseWatchdog();
  }
}
