package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import io.runstream.schemas.UsageRollup;
import io.runstream.sink.usage.UsageRollups;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Usage roll-ups (Kafka Streams, exactly once) from the chunk topic to {@code
 * runstream.usage-rollups}, PostgreSQL and {@code GET /api/v1/usage}: thousands of runs with
 * repeated and late chunks and a restart of the application in the middle add up exactly; real runs
 * add up to the usage ledger.
 */
class UsageRollupsIT extends PlatformIT {
  private static final String[] MODELS = {"model-a", "model-b", "model-c"};

  @Autowired JdbcClient jdbc;
  @Autowired UsageRollups rollups;

  /** The expected total of one window of one user and model. */
  private static final class Expected {
    long runs;
    long failures;
    long cancellations;
    long input;
    long output;
    final List<Long> ttft = new ArrayList<>();
    final List<Long> duration = new ArrayList<>();
  }

  private UUID orgId(String org) {
    return jdbc.sql("SELECT id FROM organisations WHERE external_id = ?")
        .param(org)
        .query(UUID.class)
        .single();
  }

  private UUID userId(UUID org, String subject) {
    return jdbc.sql("SELECT id FROM users WHERE org_id = ? AND subject = ?")
        .param(org)
        .param(subject)
        .query(UUID.class)
        .single();
  }

  private static KafkaProducer<UUID, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(
            "bootstrap.servers",
            EmbeddedPlatform.shared().kafka().bootstrapServers(),
            "acks",
            "all",
            "enable.idempotence",
            true,
            "linger.ms",
            5),
        new UUIDSerializer(),
        new ByteArraySerializer());
  }

  private static void send(KafkaProducer<UUID, byte[]> producer, RunChunk chunk) {
    producer.send(
        new ProducerRecord<>(
            Topics.RUN_CHUNKS.name(),
            null,
            chunk.ts().toEpochMilli(),
            chunk.runId(),
            EventJson.writeChunk(chunk)));
  }

  private static long exact(List<Long> values, double q) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get((int) Math.floor(q * (sorted.size() - 1)));
  }

  @Test
  void shouldRollUpThousandsOfRunsExactlyOnceThroughRepeatedAndLateChunksAndARestart()
      throws Exception {
    TestApi api = api();
    String org = "usage-" + UUID.randomUUID();
    String[] subjects = {"alice", "bob", "carol"};
    String admin = TestApi.adminToken(org, "alice");
    for (String subject : subjects) {
      String token = subject.equals("alice") ? admin : TestApi.token(org, subject);
      assertThat(api.get("/api/v1/sessions", token).status()).isEqualTo(200);
    }
    UUID orgId = orgId(org);
    UUID[] users = new UUID[subjects.length];
    for (int i = 0; i < subjects.length; i++) {
      users[i] = userId(orgId, subjects[i]);
    }

    // 3,000 runs of the last 80 minutes (inside the roll-ups' two hours of grace), in random order
    // of start.
    Random random = new Random(7);
    Instant now = Instant.now();
    int count = 3000;
    List<List<RunChunk>> runs = new ArrayList<>();
    Map<String, Expected> expected = new HashMap<>();
    for (int i = 0; i < count; i++) {
      UUID runId = UUID.randomUUID();
      UUID session = UUID.randomUUID();
      int u = random.nextInt(users.length);
      RunRequested.ModelRef model =
          new RunRequested.ModelRef("simulated", MODELS[random.nextInt(MODELS.length)]);
      Instant start =
          now.minusMillis(60_000 + (long) random.nextInt(80 * 60_000))
              .truncatedTo(ChronoUnit.MILLIS);
      long ttft = 20 + random.nextInt(3000);
      long duration = ttft + 10 + random.nextInt(60_000);
      String status =
          switch (random.nextInt(10)) {
            case 0 -> "failed";
            case 1 -> "cancelled";
            default -> "completed";
          };
      long input = random.nextInt(5000);
      long output = random.nextInt(2000);
      List<RunChunk> run = new ArrayList<>();
      long seq = 1 + random.nextInt(100);
      run.add(
          RunChunk.of(
              runId,
              session,
              seq++,
              start,
              null,
              new ChunkData.RunStarted(UUID.randomUUID(), model).attributed(orgId, users[u])));
      run.add(
          RunChunk.of(runId, session, seq++, start.plusMillis(1), "t", new ChunkData.TextStart()));
      run.add(
          RunChunk.of(
              runId, session, seq++, start.plusMillis(ttft), "t", new ChunkData.TextDelta("a")));
      run.add(
          RunChunk.of(
              runId,
              session,
              seq++,
              start.plusMillis(ttft + 3),
              "t",
              new ChunkData.TextDelta("b")));
      run.add(
          RunChunk.of(
              runId,
              session,
              seq++,
              start.plusMillis(duration - 1),
              null,
              new ChunkData.Usage(model.modelId(), input, output)));
      Instant end = start.plusMillis(duration);
      run.add(
          RunChunk.of(
              runId,
              session,
              seq,
              end,
              null,
              new ChunkData.RunFinished(status, "stop").attributed(orgId, users[u], model)));
      runs.add(run);
      for (String granularity : List.of("minute", "hour")) {
        Instant window =
            end.truncatedTo(granularity.equals("minute") ? ChronoUnit.MINUTES : ChronoUnit.HOURS);
        Expected e =
            expected.computeIfAbsent(
                granularity + "/" + window + "/" + users[u] + "/" + model.modelId(),
                k -> new Expected());
        e.runs++;
        e.failures += status.equals("failed") ? 1 : 0;
        e.cancellations += status.equals("cancelled") ? 1 : 0;
        e.input += input;
        e.output += output;
        e.ttft.add(ttft);
        e.duration.add(duration);
      }
    }

    try (KafkaProducer<UUID, byte[]> producer = producer()) {
      // First half, each run's chunks in order, runs interleaved.
      sendInterleaved(producer, runs.subList(0, count / 2), random);
      producer.flush();
      // The streams application stops at once (whatever it has not committed is aborted and done
      // again) and
      // comes back: it restores its stores from their changelogs.
      rollups.stop();
      rollups.start();
      sendInterleaved(producer, runs.subList(count / 2, count), random);
      // Repeated chunks (a redelivery) of 10 % of the runs from both halves, and a late worker's
      // chunks after the
      // end: none of it counts again.
      for (int i = 0; i < count; i += 10) {
        List<RunChunk> run = runs.get(i);
        send(producer, run.get(4));
        send(producer, run.get(3));
        send(producer, run.getLast());
        RunChunk last = run.getLast();
        send(
            producer,
            RunChunk.of(
                last.runId(),
                last.sessionId(),
                last.seq() + 1,
                last.ts().plusMillis(1),
                null,
                new ChunkData.Usage("model-a", 99_999, 99_999)));
        send(
            producer,
            RunChunk.of(
                last.runId(),
                last.sessionId(),
                last.seq() + 2,
                last.ts().plusMillis(2),
                null,
                new ChunkData.RunFinished("failed", "error")
                    .attributed(
                        orgId, users[0], new RunRequested.ModelRef("simulated", "model-a"))));
      }
      producer.flush();
    }

    // PostgreSQL: every window of every user and model, exactly.
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql(
                                "SELECT COALESCE(sum(runs), 0) FROM usage_rollups WHERE org_id = ? AND granularity = 'minute'")
                            .param(orgId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(count));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql(
                                "SELECT COALESCE(sum(runs), 0) FROM usage_rollups WHERE org_id = ? AND granularity = 'hour'")
                            .param(orgId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(count));
    List<Map<String, Object>> rows =
        jdbc.sql(
                "SELECT granularity, window_start, user_id, model_id, runs, failures, cancellations, input_tokens,"
                    + " output_tokens, ttft::text AS ttft, duration::text AS duration FROM usage_rollups WHERE org_id = ?")
            .param(orgId)
            .query()
            .listOfRows();
    assertThat(rows).hasSize(expected.size());
    for (Map<String, Object> row : rows) {
      String key =
          row.get("granularity")
              + "/"
              + ((Timestamp) row.get("window_start")).toInstant()
              + "/"
              + row.get("user_id")
              + "/"
              + row.get("model_id");
      Expected e = expected.get(key);
      assertThat(e).as(key).isNotNull();
      assertThat(
              List.of(
                  row.get("runs"),
                  row.get("failures"),
                  row.get("cancellations"),
                  row.get("input_tokens"),
                  row.get("output_tokens")))
          .as(key)
          .isEqualTo(List.of(e.runs, e.failures, e.cancellations, e.input, e.output));
      UsageRollup.Latency ttft =
          EventJson.MAPPER.readValue((String) row.get("ttft"), UsageRollup.Latency.class);
      UsageRollup.Latency duration =
          EventJson.MAPPER.readValue((String) row.get("duration"), UsageRollup.Latency.class);
      assertThat(ttft.count()).isEqualTo(e.ttft.size());
      assertThat(duration.count()).isEqualTo(e.duration.size());
    }

    // The topic: the newest record of each of this organisation's keys says the same (read
    // committed).
    Map<String, UsageRollup> latest = latestRollups(orgId);
    assertThat(latest).hasSize(expected.size());
    latest.forEach(
        (key, rollup) -> {
          Expected e =
              expected.get(
                  rollup.granularity()
                      + "/"
                      + rollup.windowStart()
                      + "/"
                      + rollup.userId()
                      + "/"
                      + rollup.model());
          assertThat(e).as(key).isNotNull();
          assertThat(rollup.runs()).as(key).isEqualTo(e.runs);
          assertThat(rollup.inputTokens()).as(key).isEqualTo(e.input);
          assertThat((double) rollup.timeToFirstTokenMs().p50())
              .as(key)
              .isCloseTo(exact(e.ttft, 0.5), offset(exact(e.ttft, 0.5) * 0.01 + 0.5));
          assertThat((double) rollup.durationMs().p95())
              .as(key)
              .isCloseTo(exact(e.duration, 0.95), offset(exact(e.duration, 0.95) * 0.01 + 0.5));
        });

    // The API: totals over the range, per user and model, with the users' subjects.
    String range =
        "&from=" + now.minus(Duration.ofHours(3)) + "&to=" + now.plus(Duration.ofHours(1));
    JsonNode hourly =
        api.get("/api/v1/usage?granularity=hour&group_by=user,model" + range, admin).json();
    long input =
        expected.entrySet().stream()
            .filter(x -> x.getKey().startsWith("hour/"))
            .mapToLong(x -> x.getValue().input)
            .sum();
    long output =
        expected.entrySet().stream()
            .filter(x -> x.getKey().startsWith("hour/"))
            .mapToLong(x -> x.getValue().output)
            .sum();
    long failures =
        expected.entrySet().stream()
            .filter(x -> x.getKey().startsWith("hour/"))
            .mapToLong(x -> x.getValue().failures)
            .sum();
    assertThat(hourly.path("organisation").asString()).isEqualTo(org);
    assertThat(hourly.path("totals").path("runs").asLong()).isEqualTo(count);
    assertThat(hourly.path("totals").path("input_tokens").asLong()).isEqualTo(input);
    assertThat(hourly.path("totals").path("output_tokens").asLong()).isEqualTo(output);
    assertThat(hourly.path("totals").path("total_tokens").asLong()).isEqualTo(input + output);
    assertThat(hourly.path("totals").path("failures").asLong()).isEqualTo(failures);
    assertThat(hourly.path("totals").path("time_to_first_token_ms").path("count").asLong())
        .isEqualTo(count);
    List<Long> allTtft =
        expected.entrySet().stream()
            .filter(x -> x.getKey().startsWith("hour/"))
            .flatMap(x -> x.getValue().ttft.stream())
            .toList();
    long p95 = exact(allTtft, 0.95);
    assertThat((double) hourly.path("totals").path("time_to_first_token_ms").path("p95").asLong())
        .isCloseTo(p95, offset(p95 * 0.01 + 0.5));
    Set<String> seenUsers = new HashSet<>();
    long rowRuns = 0;
    for (JsonNode row : hourly.path("data")) {
      seenUsers.add(row.path("user").asString());
      assertThat(row.path("model").asString()).isIn((Object[]) MODELS);
      rowRuns += row.path("runs").asLong();
    }
    assertThat(seenUsers).containsExactlyInAnyOrder(subjects);
    assertThat(rowRuns).isEqualTo(count);
    JsonNode minutes =
        api.get(
                "/api/v1/usage?granularity=minute"
                    + "&from="
                    + now.minus(Duration.ofMinutes(90))
                    + "&to="
                    + now.plus(Duration.ofMinutes(5)),
                admin)
            .json();
    assertThat(minutes.path("totals").path("runs").asLong()).isEqualTo(count);
    assertThat(minutes.path("data").size()).isGreaterThan(60);

    // Only administrators; bad parameters are named.
    assertThat(api.get("/api/v1/usage", TestApi.token(org, "bob")).status()).isEqualTo(403);
    TestApi.Answer bad = api.get("/api/v1/usage?granularity=day", admin);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("granularity");
    assertThat(api.get("/api/v1/usage?group_by=team", admin).status()).isEqualTo(400);
    assertThat(
            api.get(
                    "/api/v1/usage?granularity=minute&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
                    admin)
                .status())
        .isEqualTo(400);
    assertThat(api.get("/api/v1/usage?from=yesterday", admin).status()).isEqualTo(400);
  }

  @Test
  void shouldAddRealRunsUpToTheUsageLedger() throws Exception {
    TestApi api = api();
    String org = "usage-real-" + UUID.randomUUID();
    String admin = TestApi.adminToken(org, "ada");
    for (int i = 0; i < 4; i++) {
      String sessionId =
          api.post("/api/v1/sessions", admin, TestApi.sessionBody("count me " + i, 10 + i * 5, 0))
              .json()
              .path("uuid")
              .asString();
      try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", admin)) {
        stream.untilDone(Duration.ofSeconds(30));
      }
    }
    UUID orgId = orgId(org);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql("SELECT count(*) FROM usage_ledger WHERE org_id = ?")
                            .param(orgId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(4));
    long input =
        jdbc.sql("SELECT sum(input_tokens) FROM usage_ledger WHERE org_id = ?")
            .param(orgId)
            .query(Long.class)
            .single();
    long output =
        jdbc.sql("SELECT sum(output_tokens) FROM usage_ledger WHERE org_id = ?")
            .param(orgId)
            .query(Long.class)
            .single();
    String model =
        jdbc.sql("SELECT DISTINCT model_id FROM runs WHERE org_id = ?")
            .param(orgId)
            .query(String.class)
            .single();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              JsonNode usage =
                  api.get("/api/v1/usage?granularity=minute&group_by=user,model", admin).json();
              assertThat(usage.path("totals").path("runs").asLong()).isEqualTo(4);
              assertThat(usage.path("totals").path("input_tokens").asLong()).isEqualTo(input);
              assertThat(usage.path("totals").path("output_tokens").asLong()).isEqualTo(output);
              assertThat(usage.path("totals").path("time_to_first_token_ms").path("count").asLong())
                  .isEqualTo(4);
              assertThat(usage.path("data").get(0).path("user").asString()).isEqualTo("ada");
              assertThat(usage.path("data").get(0).path("model").asString()).isEqualTo(model);
            });
  }

  private static void sendInterleaved(
      KafkaProducer<UUID, byte[]> producer, List<List<RunChunk>> runs, Random random) {
    List<int[]> cursors = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      cursors.add(new int[] {i, 0});
    }
    while (!cursors.isEmpty()) {
      int pick = random.nextInt(cursors.size());
      int[] cursor = cursors.get(pick);
      List<RunChunk> run = runs.get(cursor[0]);
      send(producer, run.get(cursor[1]++));
      if (cursor[1] == run.size()) {
        cursors.set(pick, cursors.getLast());
        cursors.removeLast();
      }
    }
  }

  private static Map<String, UsageRollup> latestRollups(UUID orgId) {
    Map<String, UsageRollup> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                EmbeddedPlatform.shared().kafka().bootstrapServers(),
                "isolation.level",
                "read_committed"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.USAGE_ROLLUPS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          UsageRollup rollup = EventJson.read(record.value(), UsageRollup.class);
          if (rollup.orgId().equals(orgId)) {
            latest.put(record.key(), rollup);
          }
        }
      }
    }
    return latest;
  }
}
