package io.runstream.core.startup;

import java.net.BindException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Start-up errors a person can act on: a port already taken, PostgreSQL or the broker unreachable,
 * the database's credentials refused, a data directory from another version answer with one line
 * naming the cause and the setting to change, and no stack trace. Anything else is reported as
 * Spring Boot reports it.
 */
public final class StartupFailures {
  private StartupFailures() {}

  /** Runs a service's application; on a known start-up failure prints one line and exits with 1. */
  public static ConfigurableApplicationContext run(Class<?> application, String[] args) {
    SpringApplication spring = new SpringApplication(application);
    return run(spring, args, Map.of());
  }

  /**
   * Runs {@code spring} with {@code defaults}; on a known start-up failure prints one line and
   * exits with 1.
   */
  public static ConfigurableApplicationContext run(
      SpringApplication spring, String[] args, Map<String, Object> defaults) {
    Map<String, Object> properties = new HashMap<>(defaults);
    // Spring Boot's own report (a stack trace, or a failure analysis) comes from these two loggers;
    // the explained
    // failures are reported here in one line instead, the others below as Spring Boot would.
    properties.putIfAbsent("logging.level.org.springframework.boot.SpringApplication", "off");
    properties.putIfAbsent(
        "logging.level.org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter", "off");
    // and its "Error starting ApplicationContext..." line before either.
    properties.putIfAbsent(
        "logging.level.org.springframework.boot.autoconfigure.logging.ConditionEvaluationReportLogger",
        "off");
    spring.setDefaultProperties(properties);
    try {
      return spring.run(args);
    } catch (RuntimeException | Error e) {
      Optional<String> explained = explain(e);
      if (explained.isPresent()) {
        System.err.println("runstream: " + explained.get());
      } else {
        LoggerFactory.getLogger(StartupFailures.class)
            .error("runstream: the service failed to start", e);
      }
      System.exit(1);
      throw e;
    }
  }

  /** One line for a failure a person can act on, or empty. */
  public static Optional<String> explain(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      String type = e.getClass().getName();
      String message = e.getMessage() == null ? "" : e.getMessage();
      String lower = message.toLowerCase(Locale.ROOT);
      if (type.endsWith(".PortInUseException")) {
        return Optional.of(
            firstLine(message)
                + ": stop what listens there, or set RUNSTREAM_HTTP_PORT (bin/runstream start) or SERVER_PORT (server.port).");
      }
      if (type.equals("org.postgresql.util.PSQLException")) {
        if (lower.contains("password authentication failed")
            || lower.contains("no pg_hba.conf entry")) {
          return Optional.of(
              "PostgreSQL refused the credentials ("
                  + firstLine(message)
                  + "): set SPRING_DATASOURCE_USERNAME and SPRING_DATASOURCE_PASSWORD (spring.datasource.username/password).");
        }
        if (lower.contains("does not exist")) {
          return Optional.of(
              "PostgreSQL: "
                  + firstLine(message)
                  + ": create it, or set SPRING_DATASOURCE_URL (spring.datasource.url).");
        }
        if (lower.contains("refused")
            || lower.contains("connection attempt failed")
            || lower.contains("unknownhost")) {
          return Optional.of(
              "PostgreSQL is unreachable ("
                  + firstLine(message)
                  + "): start it, or set SPRING_DATASOURCE_URL (spring.datasource.url).");
        }
      }
      if (type.startsWith("org.apache.kafka.common.errors.")
          && (type.endsWith("TimeoutException")
              || lower.contains("node assignment")
              || lower.contains("disconnected"))) {
        return Optional.of(
            "the Kafka broker did not answer ("
                + firstLine(message)
                + "): start it, or set RUNSTREAM_KAFKA_BOOTSTRAPSERVERS (runstream.kafka.bootstrap-servers).");
      }
      if (type.startsWith("org.flywaydb.")
          && (lower.contains("not resolved locally")
              || lower.contains("validate failed")
              || lower.contains("newer than")
              || lower.contains("checksum mismatch"))) {
        return Optional.of(
            "the database was migrated by another version of Runstream ("
                + firstLine(message)
                + "): point RUNSTREAM_DATA_DIR or SPRING_DATASOURCE_URL (spring.datasource.url) at a database of this "
                + "version, or remove the old data directory.");
      }
      if (e instanceof DataDirectoryException || e instanceof SettingRefused) {
        return Optional.of(message);
      }
      if (e instanceof BindException || lower.contains("address already in use")) {
        return Optional.of(
            "a port is already in use ("
                + firstLine(message)
                + "): stop the other process (a "
                + "previous bin/runstream start still stopping?), or set RUNSTREAM_HTTP_PORT, RUNSTREAM_KAFKA_PORT or "
                + "RUNSTREAM_POSTGRES_PORT.");
      }
    }
    return Optional.empty();
  }

  private static String firstLine(String message) {
    String line = message.strip();
    int end = line.indexOf('\n');
    return end < 0 ? line : line.substring(0, end).strip();
  }

  /** A data directory that this version cannot use; its message is the one line to print. */
  public static final class DataDirectoryException extends RuntimeException {
    public DataDirectoryException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A setting this service refuses to start with; its message is the one line to print (it names
   * the setting).
   */
  public static final class SettingRefused extends RuntimeException {
    public SettingRefused(String message) {
      super(message, null, false, false);
    }
  }
}
