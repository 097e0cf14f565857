package io.runstream.infra.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from the binaries zonky ships in a Maven artifact. Its data directory is kept across
 * restarts; as root it runs through a user namespace, which zonky sets up.
 *
 * <p>PostgreSQL is a separate process: a {@link PostgresWatchdog} stops it if this JVM dies without stopping it.
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
   * Starts PostgreSQL on the data directory (created if new) and makes sure the {@value #DATABASE} database exists.
   *
   * @param dataDir the data directory, kept across restarts
   * @param port the port; 0 picks a free one
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port) throws IOException {
    Files.createDirectories(dataDir.getParent());
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

  /** Stops PostgreSQL, for outage tests; {@link #restart()} brings it back on the same port and data. */
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

  private void ensureDatabase() throws IOException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
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
