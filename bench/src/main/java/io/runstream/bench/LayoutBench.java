package io.runstream.bench;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runstream.core.identity.DevTokens;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.launcher.RunstreamApplication;
import io.runstream.sink.RunTopicJanitor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The two chunk layouts side by side: each on a fresh platform (its own broker and PostgreSQL), N
 * runs started at once, each with a reader opened right after its POST. Run start latency is POST
 * sent → the reader's first event; broker cost is what the batch left on the broker (partitions,
 * files, bytes) and the CPU the whole process spent on it.
 */
final class LayoutBench {
  private final List<String> report;

  LayoutBench(List<String> report) {
    this.report = report;
  }

  record Result(
      String layout,
      int runs,
      double startP50,
      double startP99,
      double postP50,
      double postP99,
      long complete,
      double cpuSeconds,
      double wallSeconds,
      int topics,
      long files,
      long bytes,
      long fds,
      double topicReadyMean,
      int clients,
      String deletion) {}

  void run(List<Integer> sizes) throws Exception {
    List<Result> results = new ArrayList<>();
    for (String layout : List.of("shared", "per-run-topic")) {
      Path dir = Files.createTempDirectory("runstream-bench-layout-");
      EmbeddedPlatform platform = EmbeddedPlatform.start(dir, 0, 0, 8);
      ConfigurableApplicationContext app =
          Bench.start(
              RunstreamApplication.class, platform, Map.of("runstream.chunks.layout", layout));
      try {
        String base = "http://127.0.0.1:" + Bench.port(app);
        String token =
            DevTokens.mint(
                Bench.SECRET, "bench", "bench-org", "Bench", "b@x", false, Duration.ofHours(6));
        // Warm-up: class loading, connection pools, JIT.
        batch(app, platform, base, token, layout, 100, 8);
        results.add(batch(app, platform, base, token, layout, 20, 1));
        for (int size : sizes) {
          results.add(batch(app, platform, base, token, layout, size, 8));
        }
      } finally {
        app.close();
        platform.close();
      }
    }
    report.add("#### Chunk layouts side by side: run start and broker cost at N concurrent runs");
    report.add("");
    report.add(
        "Each layout on a fresh broker and PostgreSQL; N runs started at once (one POST each, 8 client threads; first row: one run at a time),"
            + " each with a reader opened right after its POST; every run streams 40 tokens at 20 tokens/s."
            + " Start = POST sent → the reader's first event. CPU = process CPU time (broker, PostgreSQL excluded, "
            + "services, load generator) during the batch. Files/MiB = the broker's log directory after the batch (MiB on disk, `du`).");
    report.add("");
    report.add(
        "| layout | N | run start p50 | p99 | POST p50 | p99 | complete | CPU s / 100 runs | topics | "
            + "broker files | broker MiB on disk | fds | topic ready (mean) | delete N topics |");
    report.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      report.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %d/%d | %.2f | %,d | %,d | %.1f | %,d | %s | %s |",
              r.layout(),
              r.clients() == 1 ? r.runs() + " one at a time" : Integer.toString(r.runs()),
              r.startP50(),
              r.startP99(),
              r.postP50(),
              r.postP99(),
              r.complete(),
              r.runs(),
              r.cpuSeconds() * 100 / r.runs(),
              r.topics(),
              r.files(),
              r.bytes() / 1048576.0,
              r.fds(),
              r.layout().equals("shared")
                  ? "-"
                  : String.format(Locale.ROOT, "%.1f ms", r.topicReadyMean()),
              r.deletion()));
    }
    report.add("");
  }

  private Result batch(
      ConfigurableApplicationContext app,
      EmbeddedPlatform platform,
      String base,
      String token,
      String layout,
      int n,
      int clients)
      throws Exception {
    MeterRegistry meters = app.getBean(MeterRegistry.class);
    Timer ready = meters.find("runstream.worker.run-topic.ready").timer();
    long readyBefore = ready == null ? 0 : ready.count();
    double readyTotalBefore = ready == null ? 0 : ready.totalTime(TimeUnit.MILLISECONDS);
    var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long wallBefore = System.nanoTime();
    List<Long> starts = new ArrayList<>();
    List<Long> posts = new ArrayList<>();
    long complete = 0;
    try (ExecutorService pool = Executors.newFixedThreadPool(clients);
        ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Future<SseClient.Read>>> started = new ArrayList<>();
      List<Long> postTimes = Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < n; i++) {
        Future<Future<SseClient.Read>> one =
            pool.submit(
                () -> {
                  long sent = System.nanoTime();
                  String body =
                      SseClient.post(
                          base + "/api/v1/runs",
                          token,
                          "{\"input\":\"layout\",\"simulation\":{\"output_tokens\":40,\"tokens_per_second\":20,\"seed\":1}}");
                  postTimes.add(System.nanoTime() - sent);
                  String run = SseClient.field(body, "run_uuid");
                  Future<SseClient.Read> read =
                      readers.submit(
                          () ->
                              SseClient.read(
                                  base + "/api/v1/runs/" + run + "/stream",
                                  token,
                                  Map.of(),
                                  false,
                                  sent));
                  if (clients == 1) {
                    read.get(); // one run at a time: the unloaded start
                  }
                  return read;
                });
        if (clients == 1) {
          one.get();
        }
        started.add(one);
      }
      for (Future<Future<SseClient.Read>> start : started) {
        SseClient.Read read = start.get(5, TimeUnit.MINUTES).get(5, TimeUnit.MINUTES);
        if (read.firstEventNanos() > 0) {
          starts.add(read.firstEventNanos());
        }
        complete += read.done() ? 1 : 0;
      }
      posts.addAll(postTimes);
    }
    double wall = (System.nanoTime() - wallBefore) / 1e9;
    double cpu = (os.getProcessCpuTime() - cpuBefore) / 1e9;
    starts.sort(Long::compare);
    posts.sort(Long::compare);
    int topics;
    try (Admin admin = platform.kafka().admin()) {
      topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).size();
    }
    long[] disk = disk(platform.kafka().logDir());
    long fds;
    try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
      fds = list.count();
    }
    // This batch's topic creations only (the timer's percentiles would mix in earlier batches).
    double readyMean = Double.NaN;
    if (ready != null && ready.count() > readyBefore) {
      readyMean =
          (ready.totalTime(TimeUnit.MILLISECONDS) - readyTotalBefore)
              / (ready.count() - readyBefore);
    }
    String deletion = "-";
    if (layout.equals("per-run-topic")) {
      // Wait for the sink to log every run's end, then delete the batch's topics as if past
      // retention.
      Thread.sleep(3_000);
      long t0 = System.nanoTime();
      int deleted =
          app.getBean(RunTopicJanitor.class).sweep(Instant.now().plus(Duration.ofDays(30)));
      deletion =
          String.format(Locale.ROOT, "%,d in %.2f s", deleted, (System.nanoTime() - t0) / 1e9);
    }
    return new Result(
        layout,
        n,
        pct(starts, 0.5),
        pct(starts, 0.99),
        pct(posts, 0.5),
        pct(posts, 0.99),
        complete,
        cpu,
        wall,
        topics,
        disk[0],
        disk[1],
        fds,
        readyMean,
        clients,
        deletion);
  }

  /**
   * Files in the broker's log directory, and the bytes they take on disk ({@code du}: index files
   * are sparse).
   */
  private static long[] disk(Path dir) throws IOException, InterruptedException {
    long[] result = new long[2];
    try (Stream<Path> walk = Files.walk(dir)) {
      result[0] = walk.filter(Files::isRegularFile).count();
    }
    Process du = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
    String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    du.waitFor();
    result[1] = Long.parseLong(out.split("\\s+")[0]) * 1024;
    return result;
  }

  private static double pct(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
  }
}
