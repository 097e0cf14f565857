package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.fanout.FanoutApplication;
import io.runstream.infra.embedded.EmbeddedKafkaCluster;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.schemas.Topic;
import io.runstream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue #13 item 5: Runstream on a three-node KRaft cluster in this JVM (every topic replicated
 * three times, {@code min.insync.replicas=2}); the node leading a live run's chunk partition is
 * killed mid-run (no controlled shutdown) and brought back. Readers miss nothing and see nothing
 * twice, the sink stores every chunk once, a run started while the node is down completes, and the
 * usage roll-ups (exactly once) count both runs. On the same cluster: a second fan-out node goes
 * away under 100 readers, who resume on the first; and 1,000 readers of 20 live runs drop and
 * reconnect at the same instant. Every reader ends with exactly the events of an uninterrupted
 * read.
 */
class BrokerLossIT {
  private static EmbeddedKafkaCluster cluster;
  private static ConfigurableApplicationContext app;
  private static TestApi api;

  @BeforeAll
  static void start() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    Path target = Path.of("target");
    Path dir =
        Files.createTempDirectory(
            Files.isDirectory(target)
                ? target.toAbsolutePath()
                : Path.of(System.getProperty("java.io.tmpdir")),
            "cluster-");
    cluster = EmbeddedKafkaCluster.start(dir, 3);
    cluster.createTopics(
        Topics.all().stream()
            .map(
                t ->
                    new NewTopic(t.name(), t.name().endsWith("-dlt") ? 1 : 4, (short) 3)
                        .configs(withCompaction(t)))
            .toList(),
        Duration.ofSeconds(60));
    Map<String, Object> properties = new HashMap<>(platform.serviceProperties());
    properties.put("runstream.kafka.bootstrap-servers", cluster.bootstrapServers());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.put("runstream.worker.shutdown-grace", "1s");
    // Groups and the roll-ups' application of their own (the cluster is new, but the database is
    // shared).
    properties.put("runstream.usage.replication-factor", 3);
    properties.put("runstream.sink.group-lag-interval", "2s");
    app = new SpringApplicationBuilder(RunstreamApplication.class).properties(properties).run();
    api = new TestApi(((WebServerApplicationContext) app).getWebServer().getPort());
  }

  private static Map<String, String> withCompaction(Topic<?, ?> topic) {
    Map<String, String> configs = new HashMap<>(Topics.configsOf(topic));
    configs.put("min.insync.replicas", "2");
    configs.put("max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
    return configs;
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Reads the stream to its end, resuming with the last id whenever it breaks, as EventSource does:
   * one connection per poll, half a second apart (a 503's Retry-After, a refused connection), for
   * up to two minutes.
   */
  private static List<TestApi.Event> readToTheEnd(
      String path, String token, List<TestApi.Event> already) {
    List<TestApi.Event> events = new ArrayList<>(already);
    if (!events.isEmpty() && events.getLast().done()) {
      return events;
    }
    boolean[] over = {false};
    await()
        .atMost(Duration.ofMinutes(2))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              Map<String, String> headers =
                  events.isEmpty() ? Map.of() : Map.of("Last-Event-ID", events.getLast().id());
              try (TestApi.Stream stream = api.stream(path, token, headers)) {
                if (stream.status == 204) {
                  over[0] = true; // nothing after the last id: the reader had everything
                } else if (stream.status == 200) {
                  events.addAll(stream.untilDone(Duration.ofSeconds(60)));
                }
              } catch (IllegalStateException e) {
                // the connection itself failed; the next poll tries again
              }
              return over[0] || (!events.isEmpty() && events.getLast().done());
            });
    return events;
  }

  @Test
  void shouldMissNothingRepeatNothingAndKeepStartingRunsWhenTheLeaderOfALiveRunsPartitionDies()
      throws Exception {
    String org = "broker-loss-" + UUID.randomUUID();
    String token = TestApi.adminToken(org, "ops");
    JdbcClient jdbc = app.getBean(JdbcClient.class);
    // About 12 s of output at 25 tokens/s.
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("through a broker loss", 300, 25));
    assertThat(created.status()).isEqualTo(201);
    String sessionId = created.json().path("uuid").asString();
    String runId = created.json().path("run_uuid").asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";

    // Three readers attached from the start.
    List<TestApi.Stream> streams = new ArrayList<>();
    List<List<TestApi.Event>> firsts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestApi.Stream stream = api.stream(path, token, Map.of());
      streams.add(stream);
      firsts.add(new ArrayList<>(stream.take(10, Duration.ofSeconds(30))));
      assertThat(firsts.get(i)).hasSize(10);
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.sql("SELECT chunk_partition FROM runs WHERE id = ?::uuid")
                    .param(runId)
                    .query(Integer.class)
                    .optional()
                    .isPresent());
    int partition =
        jdbc.sql("SELECT chunk_partition FROM runs WHERE id = ?::uuid")
            .param(runId)
            .query(Integer.class)
            .single();
    int leader = cluster.leaderOf(Topics.RUN_CHUNKS.name(), partition);
    assertThat(leader).isPositive();

    // The readers go on reading while the leader dies.
    List<CompletableFuture<List<TestApi.Event>>> reading = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestApi.Stream stream = streams.get(i);
      List<TestApi.Event> first = firsts.get(i);
      reading.add(
          CompletableFuture.supplyAsync(
              () -> {
                try (stream) {
                  List<TestApi.Event> events = new ArrayList<>(first);
                  events.addAll(stream.untilDone(Duration.ofSeconds(90)));
                  return readToTheEnd(path, token, events);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    cluster.kill(leader);
    // The partition gets a new leader among the two in-sync replicas left.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              int now = cluster.leaderOf(Topics.RUN_CHUNKS.name(), partition);
              return now > 0 && now != leader;
            });

    // A new run starts and completes while the node is down (acks=all meets min.insync.replicas=2).
    TestApi.Answer second =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("while a node is down", 40, 0));
    assertThat(second.status()).isEqualTo(201);
    String secondPath = "/api/v1/sessions/" + second.json().path("uuid").asString() + "/stream";
    List<TestApi.Event> secondEvents = readToTheEnd(secondPath, token, List.of());
    assertThat(secondEvents.getLast().done()).isTrue();

    // The node has been down for the whole of the second run; it comes back now.
    cluster.restart(leader);

    List<List<TestApi.Event>> all = new ArrayList<>();
    for (CompletableFuture<List<TestApi.Event>> future : reading) {
      all.add(future.get(180, TimeUnit.SECONDS));
    }
    for (List<TestApi.Event> events : all) {
      assertThat(events.getLast().done()).isTrue();
      List<TestApi.Event> chunks = events.subList(0, events.size() - 1);
      assertThat(chunks).extracting(TestApi.Event::seq).isSorted().doesNotHaveDuplicates();
      assertThat(chunks.getLast().seq() - chunks.getFirst().seq() + 1)
          .as("no gap")
          .isEqualTo(chunks.size());
      assertThat(events).isEqualTo(all.getFirst());
    }
    List<TestApi.Event> chunks = all.getFirst().subList(0, all.getFirst().size() - 1);
    assertThat(chunks.getLast().type()).isEqualTo("finish");

    // The sink stored every chunk once, and the run as completed; a replay from the chunk log or
    // Kafka is the same.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Map<String, Object> log =
                  jdbc.sql(
                          "SELECT count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM run_chunk_seqs WHERE run_id = ?::uuid")
                      .param(runId)
                      .query()
                      .singleRow();
              assertThat(((Number) log.get("n")).longValue()).isEqualTo(chunks.size());
              assertThat(((Number) log.get("d")).longValue()).isEqualTo(chunks.size());
              assertThat(((Number) log.get("lo")).longValue()).isEqualTo(chunks.getFirst().seq());
              assertThat(((Number) log.get("hi")).longValue()).isEqualTo(chunks.getLast().seq());
            });
    try (TestApi.Stream replay = api.stream("/api/v1/runs/" + runId + "/stream", token, Map.of())) {
      assertThat(replay.untilDone(Duration.ofSeconds(30))).isEqualTo(all.getFirst());
    }

    // The usage roll-ups (exactly once, transactions on the cluster) count both runs once.
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(
                        api.get("/api/v1/usage?granularity=minute", token)
                            .json()
                            .path("totals")
                            .path("runs")
                            .asLong())
                    .isEqualTo(2));
  }

  /**
   * Starts {@code runs} live runs of {@code tokens} tokens at {@code pace} a second, each of its
   * own user.
   */
  private static List<String[]> liveRuns(String org, int runs, int tokens, int pace) {
    List<String[]> started = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      String token = TestApi.token(org, "user-" + i);
      TestApi.Answer created =
          api.post("/api/v1/sessions", token, TestApi.sessionBody("readers " + i, tokens, pace));
      assertThat(created.status()).isEqualTo(201);
      started.add(
          new String[] {
            token,
            "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream",
            created.json().path("run_uuid").asString()
          });
    }
    return started;
  }

  /** Every reader's events equal an uninterrupted read of its run (a replay once it ended). */
  private static void assertExact(
      List<String[]> runs, Map<Integer, List<List<TestApi.Event>>> readsByRun)
      throws InterruptedException {
    for (int i = 0; i < runs.size(); i++) {
      String[] run = runs.get(i);
      List<TestApi.Event> replay;
      try (TestApi.Stream stream =
          api.stream("/api/v1/runs/" + run[2] + "/stream", run[0], Map.of())) {
        replay = stream.untilDone(Duration.ofSeconds(60));
      }
      assertThat(replay.getLast().done()).isTrue();
      for (List<TestApi.Event> read : readsByRun.get(i)) {
        assertThat(read).as("reader of run %d", i).isEqualTo(replay);
      }
    }
  }

  @Test
  void shouldResumeAHundredReadersOfAFanoutNodeThatGoesAwayOnTheOtherNode() throws Exception {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("runstream.kafka.bootstrap-servers", cluster.bootstrapServers());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    ConfigurableApplicationContext other =
        new SpringApplicationBuilder(FanoutApplication.class).properties(properties).run();
    TestApi otherApi = new TestApi(((WebServerApplicationContext) other).getWebServer().getPort());
    List<String[]> runs = liveRuns("fanout-loss-" + UUID.randomUUID(), 10, 200, 25);
    Map<Integer, List<CompletableFuture<List<TestApi.Event>>>> reads = new HashMap<>();
    CountDownLatch attached = new CountDownLatch(100);
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < runs.size(); i++) {
        String[] run = runs.get(i);
        for (int r = 0; r < 10; r++) {
          reads
              .computeIfAbsent(i, k -> new ArrayList<>())
              .add(
                  CompletableFuture.supplyAsync(
                      () -> {
                        List<TestApi.Event> events = new ArrayList<>();
                        try (TestApi.Stream stream = otherApi.stream(run[1], run[0], Map.of())) {
                          events.addAll(stream.take(3, Duration.ofSeconds(30)));
                          attached.countDown();
                          // reads on until the node goes away under it
                          events.addAll(stream.untilDone(Duration.ofSeconds(60)));
                        } catch (InterruptedException e) {
                          throw new IllegalStateException(e);
                        }
                        // then resumes on this node with its last id
                        return readToTheEnd(run[1], run[0], events);
                      },
                      executor));
        }
      }
      assertThat(attached.await(60, TimeUnit.SECONDS)).isTrue();
      other.close();
      Map<Integer, List<List<TestApi.Event>>> done = new HashMap<>();
      for (var entry : reads.entrySet()) {
        for (var future : entry.getValue()) {
          done.computeIfAbsent(entry.getKey(), k -> new ArrayList<>())
              .add(future.get(180, TimeUnit.SECONDS));
        }
      }
      assertExact(runs, done);
    } finally {
      other.close();
    }
  }

  @Test
  void shouldBringAThousandReadersBackAtOnceWithNothingLost() throws Exception {
    List<String[]> runs = liveRuns("storm-" + UUID.randomUUID(), 20, 200, 25);
    CountDownLatch dropped = new CountDownLatch(1000);
    CountDownLatch go = new CountDownLatch(1);
    Map<Integer, List<CompletableFuture<List<TestApi.Event>>>> reads = new HashMap<>();
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < runs.size(); i++) {
        String[] run = runs.get(i);
        for (int r = 0; r < 50; r++) {
          reads
              .computeIfAbsent(i, k -> new ArrayList<>())
              .add(
                  CompletableFuture.supplyAsync(
                      () -> {
                        try {
                          List<TestApi.Event> events = new ArrayList<>();
                          try (TestApi.Stream stream = api.stream(run[1], run[0], Map.of())) {
                            events.addAll(stream.take(2, Duration.ofSeconds(60)));
                          } catch (IllegalStateException e) {
                            // A thousand connects at once can overflow the listen backlog (a
                            // connect timeout here, once); such
                            // a reader has read nothing and reads the whole run when all come back.
                          } finally {
                            dropped.countDown();
                          }
                          go.await();
                          return readToTheEnd(run[1], run[0], events);
                        } catch (InterruptedException e) {
                          throw new IllegalStateException(e);
                        }
                      },
                      executor));
        }
      }
      // Every reader has dropped its connection: all come back at the same instant with their last
      // id.
      assertThat(dropped.await(120, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      Map<Integer, List<List<TestApi.Event>>> done = new HashMap<>();
      for (var entry : reads.entrySet()) {
        for (var future : entry.getValue()) {
          done.computeIfAbsent(entry.getKey(), k -> new ArrayList<>())
              .add(future.get(180, TimeUnit.SECONDS));
        }
      }
      assertExact(runs, done);
    }
  }
}
