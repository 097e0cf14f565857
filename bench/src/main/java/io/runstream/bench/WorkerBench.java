package io.runstream.bench;

import io.runstream.core.identity.DevTokens;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.launcher.RunstreamApplication;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The agent worker on its own: ingest, fan-out and sink run in this JVM with the worker switched
 * off, and one worker runs as a separate process (its own JVM, {@code
 * io.runstream.worker.WorkerApplication}), so that its CPU can be read from {@code
 * /proc/<pid>/stat}. N runs of the simulated model at 50 tokens/s (200 tokens, 4 s each) are
 * started at as fast as the ingest admits them; reported: the worker's CPU per chunk, the most runs
 * it held at once, and whether it kept their pace (run duration against the 10 s the model takes).
 */
final class WorkerBench {
  private static final int TOKENS = 500;
  private static final double PACE = 50;
  private final List<String> report;

  WorkerBench(List<String> report) {
    this.report = report;
  }

  record Result(
      int runs,
      long peak,
      long chunks,
      double cpuSeconds,
      double wallSeconds,
      double p50,
      double p99,
      double max,
      long failed) {}

  void run(List<Integer> sizes) throws Exception {
    Path dir = Files.createTempDirectory("runstream-bench-worker-");
    EmbeddedPlatform platform = EmbeddedPlatform.start(dir, 0, 0, 8);
    ConfigurableApplicationContext app =
        Bench.start(
            RunstreamApplication.class, platform, Map.of("runstream.worker.enabled", false));
    Process worker = startWorker(platform, dir);
    List<Result> results = new ArrayList<>();
    try {
      String base = "http://127.0.0.1:" + Bench.port(app);
      String token =
          DevTokens.mint(
              Bench.SECRET, "bench", "bench-org", "Bench", "b@x", false, Duration.ofHours(6));
      JdbcClient jdbc = app.getBean(JdbcClient.class);
      wave(base, token, jdbc, worker, 50); // warm-up: class loading, JIT, pools
      for (int size : sizes) {
        results.add(wave(base, token, jdbc, worker, size));
      }
    } finally {
      worker.destroy();
      worker.waitFor(20, TimeUnit.SECONDS);
      worker.destroyForcibly();
      app.close();
      platform.close();
    }
    report.add(
        "### The agent worker alone: CPU per chunk and concurrent runs held (simulated model, 50 tokens/s)");
    report.add("");
    report.add(
        "One worker process (its own JVM, the bench's classpath, default options); ingest, fan-out and sink in "
            + "the bench's JVM; broker and PostgreSQL in-process there too; all on this machine. Each wave starts N runs "
            + "of "
            + TOKENS
            + " tokens at "
            + (int) PACE
            + " tokens/s at once (10 s of model time each) with no reader. "
            + "Run duration is the run row's started → finished.");
    report.add("");
    report.add(
        "| runs | most running at once | chunks | worker CPU | CPU per chunk | wall | run duration p50 / p99 / max | failed |");
    report.add("|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      report.add(
          String.format(
              Locale.ROOT,
              "| %d | %d | %,d | %.2f s | %.1f µs | %.1f s | %.2f / %.2f / %.2f s | %d |",
              r.runs(),
              r.peak(),
              r.chunks(),
              r.cpuSeconds(),
              r.cpuSeconds() * 1e6 / Math.max(1, r.chunks()),
              r.wallSeconds(),
              r.p50(),
              r.p99(),
              r.max(),
              r.failed()));
    }
    report.add("");
  }

  private static Process startWorker(EmbeddedPlatform platform, Path dir) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+UseZGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.runstream.worker.WorkerApplication");
    command.add("--server.port=0");
    platform.serviceProperties().forEach((key, value) -> command.add("--" + key + "=" + value));
    command.add("--runstream.security.jwt-secret=" + Bench.SECRET);
    command.add("--runstream.simulation.enabled=true");
    File log = dir.resolve("worker.log").toFile();
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the worker process ended: " + Files.readString(log.toPath()));
      }
      if (Files.readString(log.toPath()).contains("consuming runstream.run-requests")) {
        return process;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the worker process did not start in 120 s");
  }

  /** CPU seconds the process has used (user + system), from /proc. */
  private static double cpuSeconds(Process process) throws Exception {
    String[] stat =
        Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"))
            .split("\\) ")[1]
            .split(" ");
    long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
    return ticks / 100.0; // USER_HZ is 100 on Linux
  }

  private Result wave(String base, String token, JdbcClient jdbc, Process worker, int n)
      throws Exception {
    double cpuBefore = cpuSeconds(worker);
    long started = System.nanoTime();
    List<String> runs = Collections.synchronizedList(new ArrayList<>());
    try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
      List<Future<?>> posts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        posts.add(
            pool.submit(
                () -> {
                  runs.add(
                      SseClient.field(
                          SseClient.post(
                              base + "/api/v1/runs",
                              token,
                              "{\"input\":\"bench\",\"simulation\":{\"output_tokens\":"
                                  + TOKENS
                                  + ",\"tokens_per_second\":"
                                  + PACE
                                  + ",\"seed\":1}}"),
                          "run_uuid"));
                  return null;
                }));
      }
      for (Future<?> post : posts) {
        post.get(5, TimeUnit.MINUTES);
      }
    }
    UUID[] ids = runs.stream().map(UUID::fromString).toArray(UUID[]::new);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      Long open =
          jdbc.sql("SELECT count(*) FROM runs WHERE id = ANY(:ids) AND finished_at IS NULL")
              .param("ids", ids)
              .query(Long.class)
              .single();
      if (open == 0) {
        break;
      }
      Thread.sleep(250);
    }
    double wall = (System.nanoTime() - started) / 1e9;
    double cpu = cpuSeconds(worker) - cpuBefore;
    List<Double> durations =
        jdbc.sql(
                "SELECT EXTRACT(EPOCH FROM finished_at - started_at) FROM runs WHERE id = ANY(:ids) AND finished_at IS NOT NULL"
                    + " AND started_at IS NOT NULL ORDER BY 1")
            .param("ids", ids)
            .query(Double.class)
            .list();
    long chunks =
        jdbc.sql("SELECT COALESCE(sum(last_seq - seq_base + 1), 0) FROM runs WHERE id = ANY(:ids)")
            .param("ids", ids)
            .query(Long.class)
            .single();
    long failed =
        jdbc.sql("SELECT count(*) FROM runs WHERE id = ANY(:ids) AND status <> 'completed'")
            .param("ids", ids)
            .query(Long.class)
            .single();
    long peak =
        jdbc.sql(
                """
            SELECT COALESCE(max(running), 0) FROM (
              SELECT (SELECT count(*) FROM runs b WHERE b.id = ANY(:ids) AND b.started_at <= a.started_at
                        AND b.finished_at > a.started_at) AS running
              FROM runs a WHERE a.id = ANY(:ids) AND a.started_at IS NOT NULL) x""")
            .param("ids", ids)
            .query(Long.class)
            .single();
    return new Result(
        n,
        peak,
        chunks,
        cpu,
        wall,
        pct(durations, 0.5),
        pct(durations, 0.99),
        durations.isEmpty() ? 0 : durations.getLast(),
        failed);
  }

  private static double pct(List<Double> sorted, double p) {
    return sorted.isEmpty()
        ? 0
        : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
