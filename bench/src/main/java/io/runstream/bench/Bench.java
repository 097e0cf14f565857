package io.runstream.bench;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.runstream.client.RunRequest;
import io.runstream.client.RunstreamClient;
import io.runstream.core.identity.DevTokens;
import io.runstream.fanout.FanoutApplication;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.launcher.RunstreamApplication;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code bin/runstream bench [scenario...]}: starts the embedded default in this JVM on free ports
 * and a fresh data directory, runs the scenarios (all by default: {@code latency throughput resume
 * idle}) and logs a Markdown report, also written to {@code target/bench-report.md} of the working
 * directory.
 */
public final class Bench {
  private static final Logger LOG = LoggerFactory.getLogger(Bench.class);

  private final int port;
  private final String base;
  private final String token;
  private final RunstreamClient client;
  private final MeterRegistry meters;
  private final EmbeddedPlatform platform;
  private List<String> report = new ArrayList<>();

  private Bench(ConfigurableApplicationContext app, EmbeddedPlatform platform) {
    this.port = port(app);
    this.base = "http://127.0.0.1:" + port;
    this.token =
        DevTokens.mint(SECRET, "bench", "bench-org", "Bench", "b@x", false, Duration.ofHours(6));
    this.client = RunstreamClient.builder(URI.create(base)).token(token).build();
    this.meters = app.getBean(MeterRegistry.class);
    this.platform = platform;
  }

  public static void main(String[] args) throws Exception {
    List<String> scenarios =
        args.length == 0 ? List.of("latency", "throughput", "resume", "idle") : Arrays.asList(args);
    if (scenarios.equals(List.of("worker"))) {
      // Starts its own platform with the worker in a process of its own.
      List<String> report = new ArrayList<>();
      new WorkerBench(report)
          .run(
              Arrays.stream(System.getProperty("bench.worker.runs", "100,500,1000").split(","))
                  .map(String::strip)
                  .map(Integer::valueOf)
                  .toList());
      String text = String.join("\n", report) + "\n";
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "bench-report.md"), text);
      LOG.info("Report:\n{}", text);
      System.exit(0);
    }
    if (scenarios.equals(List.of("codec"))) {
      // The chunk codec alone: no platform.
      List<String> report = new ArrayList<>();
      CodecBench.run(report);
      String text = String.join("\n", report) + "\n";
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "bench-report.md"), text);
      LOG.info("Report:\n{}", text);
      System.exit(0);
    }
    if (scenarios.equals(List.of("layouts"))) {
      // Starts its own platform per layout.
      List<String> report = new ArrayList<>();
      new LayoutBench(report).run(sizes());
      String text = String.join("\n", report) + "\n";
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "bench-report.md"), text);
      LOG.info("Report:\n{}", text);
      System.exit(0);
    }
    Path dir = Files.createTempDirectory("runstream-bench-");
    EmbeddedPlatform platform = EmbeddedPlatform.start(dir, 0, 0, 8);
    ConfigurableApplicationContext app = start(RunstreamApplication.class, platform, Map.of());
    Bench bench = new Bench(app, platform);
    bench.header(scenarios);
    try {
      for (String scenario : scenarios) {
        switch (scenario) {
          case "latency" -> {
            int runs = Integer.getInteger("bench.latency.runs", 100);
            int readers = Integer.getInteger("bench.latency.readers", 10);
            // A first pass warms the JIT up (measured: C2 alone took half a core in the first
            // minute), then a second
            // pass is reported.
            List<String> discarded = new ArrayList<>();
            List<String> kept = bench.report;
            bench.report = discarded;
            bench.latency(runs, readers, 20, Duration.ofSeconds(35));
            bench.report = kept;
            bench.latency(runs, readers, 20, Duration.ofSeconds(35));
          }
          case "throughput" -> {
            bench.throughputHeader();
            bench.throughput(1, 100, 20_000);
            bench.throughput(10, 10, 5_000);
            bench.throughput(50, 4, 1_000);
            bench.report.add("");
          }
          case "resume" -> bench.resume();
          case "storm" -> {
            // The first storm meets a JVM that has compiled little (the JIT then takes most of a
            // core); the next
            // ones meet a warm node, as a node that has served for a while is.
            int rounds = Integer.getInteger("bench.storm.rounds", 2);
            for (int round = 1; round <= rounds; round++) {
              bench.storm(
                  Integer.getInteger("bench.storm.runs", 50),
                  Integer.getInteger("bench.storm.readers", 20),
                  round == 1 ? "first storm after start" : "storm " + round + " (warm)");
            }
          }
          case "nodes" ->
              bench.nodes(
                  Integer.getInteger("bench.nodes.runs", 20),
                  Integer.getInteger("bench.nodes.readers", 50),
                  Integer.getInteger("bench.nodes.kill-after", 8));
          case "cost" -> {
            // First passes warm the JIT up and are not reported (-Dbench.cost.warmups, 3: measured,
            // C2 still took a
            // third of the JVM's CPU after one); then each size, then the idle platform.
            List<String> kept = bench.report;
            bench.report = new ArrayList<>();
            int warmups = Integer.getInteger("bench.cost.warmups", 3);
            for (int i = 0; i < warmups; i++) {
              bench.cost(100, "warm-up");
            }
            bench.report = kept;
            bench.costHeader();
            for (String size : System.getProperty("bench.cost.runs", "100,1000").split(",")) {
              bench.cost(Integer.parseInt(size.strip()), null);
            }
            bench.report.add("");
            bench.report.add(
                "JVM CPU per delivered delta by thread (names without digits; ticks of 10 ms from /proc):");
            bench.report.add("");
            bench.threadBreakdown.stream()
                .skip(Integer.getInteger("bench.cost.warmups", 3))
                .forEach(line -> bench.report.add("- " + line));
            bench.report.add("");
            bench.idleCpu(Duration.ofSeconds(Long.getLong("bench.idle.seconds", 30)));
          }
          case "idle" -> bench.idle(Integer.getInteger("bench.idle", 10_000));
          case "layouts" -> new LayoutBench(bench.report).run(sizes());
          default -> LOG.warn("Unknown scenario {}", scenario);
        }
      }
    } finally {
      String text = String.join("\n", bench.report) + "\n";
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "bench-report.md"), text);
      LOG.info("Report:\n{}", text);
      app.close();
      platform.close();
    }
    System.exit(0);
  }

  /** {@code -Dbench.layouts.runs=100,500}: the batch sizes of the layout comparison. */
  private static List<Integer> sizes() {
    return Arrays.stream(System.getProperty("bench.layouts.runs", "10,100,500").split(","))
        .map(String::strip)
        .map(Integer::valueOf)
        .toList();
  }

  /** The HS256 secret of the platform the bench starts: random per bench process. */
  static final String SECRET = randomSecret();

  private static String randomSecret() {
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    return Base64.getEncoder().encodeToString(random);
  }

  static ConfigurableApplicationContext start(
      Class<?> application, EmbeddedPlatform platform, Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.putAll(platform.serviceProperties());
    properties.put("runstream.security.jwt-secret", SECRET);
    properties.put("runstream.simulation.enabled", true);
    properties.put("runstream.ingest.run-burst", 1_000_000);
    properties.put("runstream.ingest.runs-per-minute", 1_000_000);
    // One bench user holds every live run.
    properties.put("runstream.ingest.max-live-runs-per-user", 1_000_000);
    properties.put("runstream.fanout.max-streams-per-user", 1_000_000);
    properties.put("runstream.fanout.hot-finished-ttl", "3s");
    properties.put("runstream.http.accept-queue-size", 10_000);
    // Latency percentiles over the last 5-10 s only, so that a snapshot taken in steady state holds
    // steady state.
    properties.put("management.metrics.distribution.expiry.runstream.fanout", "10s");
    properties.put("management.metrics.distribution.buffer-length.runstream.fanout", 2);
    properties.putAll(extra);
    return new SpringApplicationBuilder(application).properties(properties).run();
  }

  /**
   * A load generator's JVM on this classpath ({@code main} with {@code args}), its output shown
   * with this one's: readers in a process of their own, so that their work is not the server's.
   */
  static Process clientProcess(List<String> jvmOptions, Class<?> main, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private void header(List<String> scenarios) {
    report.add("### Run of " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    report.add("");
    report.add(
        "Machine: "
            + Runtime.getRuntime().availableProcessors()
            + " cores, "
            + Runtime.getRuntime().maxMemory() / (1 << 20)
            + " MiB max heap, Java "
            + Runtime.version()
            + "; everything (broker, PostgreSQL, four services, load generator) on this one machine.");
    report.add("Scenarios: " + String.join(", ", scenarios));
    report.add("");
  }

  private String createRun(int tokens, double pace) {
    return createRun(tokens, pace, false);
  }

  /**
   * {@code stamp}: each delta carries its emission time (docs/models.md), so that readers can tell
   * a late delivery from a late emission.
   */
  private String createRun(int tokens, double pace, boolean stamp) {
    // Runs are started with the Java client (clients/java); the readers stay the bench's own
    // minimal ones, which
    // count events without decoding them, so that the load generator's own work stays small beside
    // the server's.
    return client
        .startRun(
            RunRequest.of("bench")
                .field(
                    "simulation",
                    Map.of(
                        "output_tokens",
                        tokens,
                        "tokens_per_second",
                        pace,
                        "seed",
                        1,
                        "stamp",
                        stamp)))
        .runId()
        .toString();
  }

  /**
   * R runs × K readers, paced: the fan-out's added latency (produce → written to the socket),
   * server-side, in steady state: sampled once every run is created and every reader attached
   * (opening 1,000 streams is itself work), over the timers' last 5-10 s; with the machine's CPU
   * use over the same window.
   */
  private void latency(int runs, int readers, double pace, Duration length) throws Exception {
    awaitQuiet();
    Timer timer = meters.get("runstream.fanout.delivery.latency").timer();
    Timer consumedTimer = meters.get("runstream.fanout.consume.latency").timer();
    int tokens = (int) (pace * length.toSeconds());
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<SseClient.Read>> reads = new ArrayList<>();
      long setupStarted = System.nanoTime();
      for (int r = 0; r < runs; r++) {
        String run = createRun(tokens, pace);
        for (int k = 0; k < readers; k++) {
          reads.add(
              pool.submit(
                  () ->
                      SseClient.read(
                          base + "/api/v1/runs/" + run + "/stream", token, Map.of(), false)));
        }
      }
      double setupSeconds = (System.nanoTime() - setupStarted) / 1e9;
      // Every reader attached (the live-readers gauge), then a full timer window of steady state.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (meters.get("runstream.fanout.readers").gauge().value() < runs * readers
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      long[] cpuBefore = machineCpu();
      Thread.sleep(11_000);
      long[] cpuAfter = machineCpu();
      double[] steady = percentiles(timer);
      double[] steadyConsumed = percentiles(consumedTimer);
      double busy =
          100.0
              * ((cpuAfter[0] - cpuAfter[1]) - (cpuBefore[0] - cpuBefore[1]))
              / (cpuAfter[0] - cpuBefore[0]);
      long events = 0;
      for (Future<SseClient.Read> read : reads) {
        events += read.get(5, TimeUnit.MINUTES).events();
      }
      report.add("#### Delivery latency at " + runs * readers + " concurrent streams");
      report.add("");
      report.add(
          String.format(
              Locale.ROOT,
              "%d runs × %d readers, %.0f tokens/s each for %d s; %,d events delivered. Creating the runs and opening "
                  + "the streams took %.1f s; the figures are the server-side timers (chunk produce timestamp → written "
                  + "to the socket) over 5-10 s of steady state after every reader was attached; machine CPU busy over "
                  + "the same window: %.0f %%.",
              runs,
              readers,
              pace,
              length.toSeconds(),
              events,
              setupSeconds,
              busy));
      report.add("");
      report.add("| hop | p50 | p99 | goal |");
      report.add("|---|---|---|---|");
      report.add(
          String.format(
              Locale.ROOT,
              "| produce → written to the socket | %.1f ms | %.1f ms | p50 ≤ 3 ms, p99 ≤ 25 ms |",
              steady[0],
              steady[1]));
      report.add(
          String.format(
              Locale.ROOT,
              "| of which produce → consumed by the node (Kafka) | %.1f ms | %.1f ms | |",
              steadyConsumed[0],
              steadyConsumed[1]));
      report.add("");
    }
  }

  /**
   * Waits until the sink has written everything earlier scenarios produced (its persisted-chunks
   * counter stands still for a second), so that a scenario does not measure the previous one's
   * backlog being written.
   */
  private void awaitQuiet() throws InterruptedException {
    Counter persisted = meters.find("runstream.sink.chunks.persisted").counter();
    if (persisted == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    double last = -1;
    while (System.nanoTime() < deadline) {
      double now = persisted.count();
      if (now == last) {
        return;
      }
      last = now;
      Thread.sleep(1_000);
    }
    LOG.warn("The sink was still writing after 120 s; measuring anyway");
  }

  /** The machine's CPU jiffies: total and idle (including I/O wait), from {@code /proc/stat}. */
  private static long[] machineCpu() throws IOException {
    String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < cpu.length; i++) {
      total += Long.parseLong(cpu[i]);
    }
    return new long[] {total, Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])};
  }

  private static double[] percentiles(Timer timer) {
    double[] result = new double[2];
    for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
      if (value.percentile() == 0.5) {
        result[0] = value.value(TimeUnit.MILLISECONDS);
      } else if (value.percentile() == 0.99) {
        result[1] = value.value(TimeUnit.MILLISECONDS);
      }
    }
    return result;
  }

  /** R runs × K readers as fast as the worker produces: delivered events per second. */
  private void throughput(int runs, int readers, int tokens) throws Exception {
    awaitQuiet();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<SseClient.Read>> reads = new ArrayList<>();
      long started = System.nanoTime();
      for (int r = 0; r < runs; r++) {
        String run = createRun(tokens, 0);
        for (int k = 0; k < readers; k++) {
          reads.add(
              pool.submit(
                  () ->
                      SseClient.read(
                          base + "/api/v1/runs/" + run + "/stream", token, Map.of(), false)));
        }
      }
      long events = 0;
      int complete = 0;
      for (Future<SseClient.Read> read : reads) {
        SseClient.Read result = read.get(10, TimeUnit.MINUTES);
        events += result.events();
        complete += result.done() ? 1 : 0;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      report.add(
          String.format(
              Locale.ROOT,
              "| %d × %d | %,d | %,d | %.1f s | %,.0f events/s | %d/%d |",
              runs,
              readers,
              tokens,
              events,
              seconds,
              events / seconds,
              complete,
              reads.size()));
      LOG.info("throughput {}x{}: {} events in {} s", runs, readers, events, seconds);
    }
  }

  private void throughputHeader() {
    report.add(
        "#### Delivered events per second, runs streamed live as fast as the worker produces");
    report.add("");
    report.add(
        "| runs × readers | tokens per run | events delivered | wall time | delivered | complete reads |");
    report.add("|---|---|---|---|---|---|");
  }

  /** Reconnect → first missed event, per tier. */
  private void resume() throws Exception {
    awaitQuiet();
    report.add("#### Reconnect → first missed event, per tier");
    report.add("");
    report.add("| tier | samples | p50 | p99 | goal |");
    report.add("|---|---|---|---|---|");
    // Hot: finished runs still in memory.
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String run = createRun(200, 0);
      SseClient.read(base + "/api/v1/runs/" + run + "/stream", token, Map.of(), false);
      runs.add(run);
    }
    tier("hot (memory)", runs, base, "p99 ≤ 20 ms");
    // Warm: live runs read on a node that has not seen their start (no look-back): from Kafka.
    ConfigurableApplicationContext late =
        start(FanoutApplication.class, platform, Map.of("runstream.fanout.start-lookback", "0s"));
    try {
      List<String> live = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        live.add(createRun(100_000, 5));
      }
      Thread.sleep(2_000);
      tier("warm (Kafka)", live, "http://127.0.0.1:" + port(late), "p99 ≤ 200 ms");
      for (String run : live) {
        SseClient.post(base + "/api/v1/runs/" + run + "/cancel", token, "");
      }
    } finally {
      late.close();
    }
    // Cold: the finished runs once memory has let them go (finished TTL 3 s; the tail expires every
    // 5 s).
    Thread.sleep(10_000);
    tier("cold (PostgreSQL)", runs, base, "p99 ≤ 100 ms");
    report.add("");
  }

  /**
   * A reconnect storm: R live runs × K readers, in a separate process, each reads 10 events, all
   * drop and all reconnect at the same instant with their last id; the time from the reconnect to
   * the first missed event, and whether each read is exact (ids strictly increasing across the
   * reconnect, to the end).
   */
  private void storm(int runs, int readers, String label) throws Exception {
    awaitQuiet();
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      paths.add("/api/v1/runs/" + createRun(600, 20, true) + "/stream");
    }
    Path list = Files.createTempFile("storm-runs", ".txt");
    Files.write(list, paths);
    Path result = Files.createTempFile("storm-result", ".txt");
    double kafkaBefore = counter("runstream.fanout.resume.kafka");
    long cpuBefore = processCpuNanos();
    long started = System.nanoTime();
    Process clients =
        clientProcess(
            List.of("-Xmx1g"),
            StormClients.class,
            base,
            list.toString(),
            Integer.toString(readers),
            token,
            "10",
            result.toString());
    clients.waitFor(10, TimeUnit.MINUTES);
    Timer deliveryTimer = meters.get("runstream.fanout.delivery.latency").timer();
    double[] delivered = percentiles(deliveryTimer);
    System.err.printf(
        Locale.ROOT,
        "storm: server-side delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        delivered[0],
        delivered[1],
        deliveryTimer.max(TimeUnit.MILLISECONDS));
    String[] figures = Files.readString(result).strip().split(" ");
    double cpu = (processCpuNanos() - cpuBefore) / (double) (System.nanoTime() - started);
    report.add("#### Reconnect storm (readers in a separate process): " + label);
    report.add("");
    report.add(
        "| runs × readers | readers | exact | first missed event p50 | p99 | max | 503s retried | steady readers' gap p50 / p99 / max | steady readers' emission → received p50 / p99 | warm (Kafka) resumes | server CPU (cores) |");
    report.add("|---|---|---|---|---|---|---|---|---|---|---|");
    if (figures.length < 11) {
      report.add("| " + runs + " × " + readers + " | the clients failed | | | | | | | | | |");
    } else {
      report.add(
          String.format(
              Locale.ROOT,
              "| %d × %d | %s | %s | %.0f ms | %.0f ms | %.0f ms | %s | %.0f / %.0f / %.0f ms | %.1f / %.1f ms | %.0f | %.2f |",
              runs,
              readers,
              figures[0],
              figures[1],
              Long.parseLong(figures[2]) / 1e6,
              Long.parseLong(figures[3]) / 1e6,
              Long.parseLong(figures[4]) / 1e6,
              figures[5],
              Long.parseLong(figures[6]) / 1e6,
              Long.parseLong(figures[7]) / 1e6,
              Long.parseLong(figures[8]) / 1e6,
              Long.parseLong(figures[9]) / 1e3,
              Long.parseLong(figures[10]) / 1e3,
              counter("runstream.fanout.resume.kafka") - kafkaBefore,
              cpu));
    }
    report.add("");
    for (String path : paths) {
      SseClient.post(base + path.replace("/stream", "/cancel"), token, "");
    }
  }

  /**
   * Issue #25 goal 3: two fan-out nodes behind one address (this JVM's and a second one in its own
   * process), R live runs × K readers through a round-robin TCP balancer ({@link Balancer}), the
   * second node killed ({@code SIGKILL}) {@code killAfter} seconds in; its readers come back
   * through the balancer to the node that lives. Every read must be exact (the same ids as a
   * reference reader of the run, none missing, none twice).
   */
  private void nodes(int runs, int readers, int killAfter) throws Exception {
    awaitQuiet();
    int secondPort;
    try (ServerSocket free = new ServerSocket(0)) {
      secondPort = free.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    // the same JIT as this node's (bin/runstream's RUNSTREAM_JIT)
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(argument -> argument.startsWith("-XX:TieredStopAtLevel"))
        .forEach(command::add);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.runstream.fanout.FanoutApplication");
    Map<String, Object> properties = new HashMap<>(platform.serviceProperties());
    properties.put("server.port", secondPort);
    properties.put("server.shutdown", "immediate");
    properties.put("runstream.security.jwt-secret", SECRET);
    properties.put("runstream.fanout.max-streams-per-user", 1_000_000);
    properties.put("runstream.http.accept-queue-size", 10_000);
    properties.forEach((key, value) -> command.add("--" + key + "=" + value));
    Path log = Files.createTempFile("second-node", ".log");
    Process second =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long readyBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    boolean ready = false;
    while (!ready && System.nanoTime() < readyBy && second.isAlive()) {
      Thread.sleep(500);
      try {
        ready =
            SseClient.get("http://127.0.0.1:" + secondPort + "/actuator/health/readiness", null)
                .contains("UP");
      } catch (Exception notYet) {
        // starting
      }
    }
    report.add("#### Two fan-out nodes behind one address, one killed mid-run");
    report.add("");
    if (!ready) {
      report.add("The second node did not start: see " + log);
      second.destroyForcibly();
      return;
    }
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      paths.add("/api/v1/runs/" + createRun(600, 20) + "/stream");
    }
    Path list = Files.createTempFile("nodes-runs", ".txt");
    Files.write(list, paths);
    Path result = Files.createTempFile("nodes-result", ".txt");
    double kafkaBefore = counter("runstream.fanout.resume.kafka");
    try (Balancer balancer = new Balancer(List.of(port, secondPort))) {
      Process clients =
          clientProcess(
              List.of("-Xmx1g"),
              NodeLossClients.class,
              Integer.toString(balancer.port()),
              Integer.toString(port),
              list.toString(),
              Integer.toString(readers),
              token,
              result.toString());
      Thread.sleep(TimeUnit.SECONDS.toMillis(killAfter));
      second.destroyForcibly();
      second.waitFor(30, TimeUnit.SECONDS);
      clients.waitFor(10, TimeUnit.MINUTES);
    }
    String[] figures = Files.readString(result).strip().split(" ");
    report.add(
        "| runs × readers | readers | exact | reconnects | reads that could not finish | drop → first missed event p50 | p99 | max | warm (Kafka) resumes |");
    report.add("|---|---|---|---|---|---|---|---|---|");
    if (figures.length < 7) {
      report.add("| " + runs + " × " + readers + " | the clients failed | | | | | | | |");
    } else {
      report.add(
          String.format(
              Locale.ROOT,
              "| %d × %d | %s | %s | %s | %s | %.0f ms | %.0f ms | %.0f ms | %.0f |",
              runs,
              readers,
              figures[0],
              figures[1],
              figures[2],
              figures[3],
              Long.parseLong(figures[4]) / 1e6,
              Long.parseLong(figures[5]) / 1e6,
              Long.parseLong(figures[6]) / 1e6,
              counter("runstream.fanout.resume.kafka") - kafkaBefore));
    }
    report.add("");
  }

  private void costHeader() {
    report.add(
        "#### Cost per delivered delta (runs of 200 tokens at 50 tokens/s, one reader each, readers in a separate process)");
    report.add("");
    report.add(
        "| runs | exact | deltas | server CPU per delta: JVM / PostgreSQL / total | machine busy (cores) | delivery p50 / p99 / max | gap p50 / p99 / max (pace 20 ms) | POST p50 / p99 | POST → first delta p50 / p99 | 503s retried, readers resumed |");
    report.add("|---|---|---|---|---|---|---|---|---|---|");
  }

  /**
   * Issue #12 goals 1, 2 and 5: {@code runs} runs of 200 stamped tokens at 50 a second, one reader
   * each, started at the same instant by {@link CostClients} in its own process; the server's CPU
   * (this JVM: broker and services; and every PostgreSQL process) per delivered delta, end-to-end
   * delivery latency from the stamps, and the gaps.
   */
  private void cost(int runs, String label) throws Exception {
    awaitQuiet();
    Path result = Files.createTempFile("cost-result", ".txt");
    long jvmBefore = processCpuNanos();
    long pgBefore = postgresCpuNanos();
    long[] machineBefore = machineCpu();
    Map<Long, Object[]> threadsBefore = threadTicks();
    Process clients =
        clientProcess(
            List.of("-Xmx1g", "-XX:+UseSerialGC"),
            CostClients.class,
            base,
            token,
            Integer.toString(runs),
            "200",
            "50",
            result.toString());
    clients.waitFor(15, TimeUnit.MINUTES);
    // The sink's and the roll-ups' share of the work of these runs counts too.
    awaitQuiet();
    long jvm = processCpuNanos() - jvmBefore;
    long pg = postgresCpuNanos() - pgBefore;
    long[] machineAfter = machineCpu();
    String[] f = Files.readString(result).strip().split(" ");
    if (f.length < 16) {
      report.add("| " + runs + " | the clients failed | | | | | | | | |");
      return;
    }
    long deltas = Long.parseLong(f[2]);
    double window = Long.parseLong(f[13]) / 1e9;
    double busy =
        (machineAfter[0] - machineBefore[0] - (machineAfter[1] - machineBefore[1]))
            / (double) (machineAfter[0] - machineBefore[0])
            * Runtime.getRuntime().availableProcessors();
    report.add(
        String.format(
            Locale.ROOT,
            "| %d%s | %s | %,d | %.0f / %.0f / **%.0f µs** | %.2f | %.1f / %.1f / %.0f ms | %.0f / %.0f / %.0f ms | %.0f / %.0f ms | %.0f / %.0f ms | %s, %s |",
            runs,
            label == null ? "" : " (" + label + ")",
            f[1],
            deltas,
            jvm / 1e3 / deltas,
            pg / 1e3 / deltas,
            (jvm + pg) / 1e3 / deltas,
            busy,
            Long.parseLong(f[3]) / 1e3,
            Long.parseLong(f[4]) / 1e3,
            Long.parseLong(f[5]) / 1e3,
            Long.parseLong(f[6]) / 1e6,
            Long.parseLong(f[7]) / 1e6,
            Long.parseLong(f[8]) / 1e6,
            Long.parseLong(f[9]) / 1e6,
            Long.parseLong(f[10]) / 1e6,
            Long.parseLong(f[11]) / 1e6,
            Long.parseLong(f[12]) / 1e6,
            f[14],
            f[15]));
    LOG.info("cost {} runs: {} s window", runs, window);
    threadBreakdown.add(
        String.format(
            Locale.ROOT, "%d runs: %s", runs, breakdown(threadsBefore, threadTicks(), deltas)));
  }

  private final List<String> threadBreakdown = new ArrayList<>();

  /**
   * Every thread of this JVM (native ones too: GC, JIT): id → {name, CPU ticks}, from {@code
   * /proc/self/task}.
   */
  private static Map<Long, Object[]> threadTicks() {
    Map<Long, Object[]> threads = new HashMap<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          threads.put(
              Long.parseLong(task.getFileName().toString()),
              new Object[] {name, Long.parseLong(fields[11]) + Long.parseLong(fields[12])});
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return threads;
    }
    return threads;
  }

  /** CPU per delivered delta by thread group (names without digits), the largest first. */
  private static String breakdown(
      Map<Long, Object[]> before, Map<Long, Object[]> after, long deltas) {
    Map<String, Long> groups = new HashMap<>();
    after.forEach(
        (tid, now) -> {
          Object[] was = before.get(tid);
          long ticks = (long) now[1] - (was == null || !was[0].equals(now[0]) ? 0 : (long) was[1]);
          groups.merge(((String) now[0]).replaceAll("[0-9]+", "#"), ticks, Long::sum);
        });
    return groups.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(14)
        .map(
            e ->
                String.format(
                    Locale.ROOT,
                    "%s %.0f µs",
                    e.getKey(),
                    e.getValue() * 10_000.0 / Math.max(1, deltas)))
        .collect(Collectors.joining(", "));
  }

  /**
   * The idle platform's CPU (this JVM and PostgreSQL) over {@code length}, once the sink is quiet.
   */
  private void idleCpu(Duration length) throws Exception {
    awaitQuiet();
    Thread.sleep(5_000);
    long jvmBefore = processCpuNanos();
    long pgBefore = postgresCpuNanos();
    Map<Long, Object[]> threadsBefore = threadTicks();
    Thread.sleep(length.toMillis());
    // per thread group, in µs per second of idle (= millionths of a core ×1,000,000 / 1,000,000)
    String idleThreads = breakdown(threadsBefore, threadTicks(), length.toSeconds());
    double jvm = (processCpuNanos() - jvmBefore) / (double) length.toNanos() * 100;
    double pg = (postgresCpuNanos() - pgBefore) / (double) length.toNanos() * 100;
    report.add(
        String.format(
            Locale.ROOT,
            "Idle platform after load, over %d s: JVM %.1f %% of a core, PostgreSQL %.1f %%, together **%.1f %%** (goal ≤ 2 %%).",
            length.toSeconds(),
            jvm,
            pg,
            jvm + pg));
    report.add("");
    report.add("Idle JVM CPU by thread, µs per second (10,000 = 1 % of a core): " + idleThreads);
    report.add("");
  }

  /**
   * CPU time of the embedded PostgreSQL: its postmaster (with its reaped children) and every live
   * backend, from {@code /proc} (clock ticks of 10 ms).
   */
  private long postgresCpuNanos() {
    String dataDir = platform.postgres().dataDir().toString();
    long ticks = 0;
    for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
      String command = process.info().commandLine().orElse("");
      if (command.contains("postgres") && command.contains(dataDir)) {
        ticks += procTicks(process.pid(), true);
        for (ProcessHandle child : process.descendants().toList()) {
          ticks += procTicks(child.pid(), false);
        }
      }
    }
    return ticks * 10_000_000L;
  }

  /** utime + stime (and, with {@code children}, cutime + cstime) of a process, in clock ticks. */
  private static long procTicks(long pid, boolean children) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields from the state on: utime is the 14th field of stat, the 12th here
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      if (children) {
        ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
      }
      return ticks;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** A counter's count in the bench's registry (0 when it does not exist). */
  private double counter(String name) {
    var found = meters.find(name).counters();
    return found.stream().mapToDouble(Counter::count).sum();
  }

  private static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private void tier(String name, List<String> runs, String node, String goal) throws Exception {
    List<Long> samples = new ArrayList<>();
    for (String run : runs) {
      SseClient.Read read =
          SseClient.read(
              node + "/api/v1/runs/" + run + "/stream", token, Map.of("Last-Event-ID", "10"), true);
      if (read.firstEventNanos() > 0) {
        samples.add(read.firstEventNanos());
      }
    }
    samples.sort(Long::compare);
    report.add(
        String.format(
            Locale.ROOT,
            "| %s | %d | %.1f ms | %.1f ms | %s |",
            name,
            samples.size(),
            percentile(samples, 0.5) / 1e6,
            percentile(samples, 0.99) / 1e6,
            goal));
  }

  private static double percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** N idle SSE connections held by a separate process: heap per connection on this node. */
  private void idle(int count) throws Exception {
    String run = createRun(100_000, 0.01);
    long heapBefore = heapAfterGc();
    long rssBefore = rssBytes();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    Path ready = Files.createTempFile("idle-ready", ".txt");
    Files.delete(ready);
    Process clients =
        clientProcess(
            List.of("-Xmx512m"),
            IdleClients.class,
            Integer.toString(count),
            Integer.toString(port),
            "/api/v1/runs/" + run + "/stream",
            token,
            ready.toString());
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!Files.exists(ready) && clients.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    int open = Files.exists(ready) ? Integer.parseInt(Files.readString(ready).strip()) : 0;
    long heapAfter = heapAfterGc();
    long rssAfter = rssBytes();
    int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
    // -Dbench.hold=SECONDS keeps the connections open for a look with jmap or JFR.
    Thread.sleep(TimeUnit.SECONDS.toMillis(Long.getLong("bench.hold", 0)));
    clients.getOutputStream().close();
    clients.waitFor(60, TimeUnit.SECONDS);
    SseClient.post(base + "/api/v1/runs/" + run + "/cancel", token, "");
    report.add("#### Idle connections");
    report.add("");
    report.add(
        "| connections held | heap before | heap after | heap per connection | RSS before | RSS after | RSS per"
            + " connection | platform threads before / after | goal |");
    report.add("|---|---|---|---|---|---|---|---|---|");
    report.add(
        String.format(
            Locale.ROOT,
            "| %,d | %,d MiB | %,d MiB | %.1f KiB | %,d MiB | %,d MiB | %.1f KiB | %d / %d | ≤ 30 KiB each |",
            open,
            heapBefore >> 20,
            heapAfter >> 20,
            open == 0 ? Double.NaN : (heapAfter - heapBefore) / 1024.0 / open,
            rssBefore >> 20,
            rssAfter >> 20,
            open == 0 ? Double.NaN : (rssAfter - rssBefore) / 1024.0 / open,
            threadsBefore,
            threadsAfter));
    report.add("");
  }

  /**
   * This process's resident set (heap, metaspace, code, thread stacks, direct buffers), from /proc.
   */
  private static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // not Linux: reported as 0
    }
    return 0;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(300);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
