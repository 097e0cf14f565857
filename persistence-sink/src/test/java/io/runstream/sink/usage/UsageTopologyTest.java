package io.runstream.sink.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import io.runstream.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The roll-ups' topology on Kafka Streams' test driver: what counts, once, in which window. */
class UsageTopologyTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private final UUID org = UUID.randomUUID();
  private final UUID user = UUID.randomUUID();
  private final RunRequested.ModelRef model = new RunRequested.ModelRef("simulated", "sim-1");
  private TopologyTestDriver driver;
  private TestInputTopic<UUID, byte[]> chunks;
  private TestOutputTopic<String, UsageRollup> rollups;

  @BeforeEach
  void start() {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "usage-test");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            UsageTopology.build(false, Duration.ofMinutes(30), Duration.ofHours(1)), config);
    chunks =
        driver.createInputTopic(
            Topics.RUN_CHUNKS.name(), new UUIDSerializer(), new ByteArraySerializer());
    rollups =
        driver.createOutputTopic(
            Topics.USAGE_ROLLUPS.name(),
            Topics.USAGE_ROLLUPS.key().deserializer(),
            Topics.USAGE_ROLLUPS.value().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  /**
   * A run's chunks: start at {@code start}, first delta after {@code ttft}, end after {@code
   * duration}.
   */
  private List<RunChunk> run(
      Instant start, long ttft, long duration, String status, long input, long output) {
    UUID runId = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    List<RunChunk> run = new ArrayList<>();
    run.add(
        RunChunk.of(
            runId,
            session,
            1,
            start,
            null,
            new ChunkData.RunStarted(UUID.randomUUID(), model).attributed(org, user)));
    run.add(RunChunk.of(runId, session, 2, start.plusMillis(1), "t", new ChunkData.TextStart()));
    run.add(
        RunChunk.of(
            runId, session, 3, start.plusMillis(ttft), "t", new ChunkData.TextDelta("Hel")));
    run.add(
        RunChunk.of(
            runId, session, 4, start.plusMillis(ttft + 5), "t", new ChunkData.TextDelta("lo")));
    run.add(
        RunChunk.of(
            runId,
            session,
            5,
            start.plusMillis(duration - 1),
            null,
            new ChunkData.Usage("sim-1", input, output)));
    run.add(
        RunChunk.of(
            runId,
            session,
            6,
            start.plusMillis(duration),
            null,
            new ChunkData.RunFinished(status, "stop").attributed(org, user, model)));
    return run;
  }

  private void send(RunChunk chunk) {
    chunks.pipeInput(chunk.runId(), EventJson.writeChunk(chunk), chunk.ts());
  }

  /** The newest record of every key. */
  private Map<String, UsageRollup> latest() {
    Map<String, UsageRollup> latest = new LinkedHashMap<>();
    rollups.readKeyValuesToList().forEach(kv -> latest.put(kv.key, kv.value));
    return latest;
  }

  private UsageRollup window(Map<String, UsageRollup> latest, String granularity, Instant start) {
    return latest.values().stream()
        .filter(r -> r.granularity().equals(granularity) && r.windowStart().equals(start))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + granularity + " window at " + start));
  }

  @Test
  void shouldCountEachRunOnceWithItsTokensStatusAndLatenciesInTheWindowItEndedIn() {
    run(T0.plusSeconds(5), 120, 2000, "completed", 10, 20).forEach(this::send);
    run(T0.plusSeconds(30), 80, 40_000, "failed", 7, 3)
        .forEach(this::send); // ends in the next minute
    run(T0.plusSeconds(40), 300, 1000, "cancelled", 5, 1).forEach(this::send);

    Map<String, UsageRollup> latest = latest();
    UsageRollup first = window(latest, "minute", T0);
    assertThat(first.runs()).isEqualTo(2);
    assertThat(first.failures()).isZero();
    assertThat(first.cancellations()).isEqualTo(1);
    assertThat(first.inputTokens()).isEqualTo(15);
    assertThat(first.outputTokens()).isEqualTo(21);
    assertThat(first.orgId()).isEqualTo(org);
    assertThat(first.userId()).isEqualTo(user);
    assertThat(first.model()).isEqualTo("sim-1");
    assertThat(first.windowEnd()).isEqualTo(T0.plusSeconds(60));
    assertThat(first.timeToFirstTokenMs().count()).isEqualTo(2);
    assertThat(first.durationMs().count()).isEqualTo(2);
    UsageRollup second = window(latest, "minute", T0.plusSeconds(60));
    assertThat(second.runs()).isEqualTo(1);
    assertThat(second.failures()).isEqualTo(1);
    assertThat(second.timeToFirstTokenMs().p50()).isBetween(79L, 81L);
    assertThat(second.durationMs().p50()).isBetween(39_600L, 40_400L);
    UsageRollup hour = window(latest, "hour", T0);
    assertThat(hour.runs()).isEqualTo(3);
    assertThat(hour.inputTokens()).isEqualTo(22);
    assertThat(hour.outputTokens()).isEqualTo(24);
    assertThat(hour.failures()).isEqualTo(1);
    assertThat(hour.cancellations()).isEqualTo(1);
    assertThat(hour.key()).isEqualTo("hour/" + T0 + "/" + org + "/" + user + "/sim-1");
  }

  @Test
  void shouldIgnoreRepeatedChunksAndAnythingAfterTheEnd() {
    List<RunChunk> run = run(T0.plusSeconds(1), 50, 500, "completed", 10, 20);
    run.forEach(this::send);
    // Redelivered: the usage, the end, a delta; and a chunk after the end from a worker that was
    // too late.
    send(run.get(4));
    send(run.get(5));
    send(run.get(3));
    RunChunk last = run.getLast();
    send(
        RunChunk.of(
            last.runId(),
            last.sessionId(),
            7,
            last.ts().plusMillis(5),
            null,
            new ChunkData.Usage("sim-1", 100, 100)));
    send(
        RunChunk.of(
            last.runId(),
            last.sessionId(),
            8,
            last.ts().plusMillis(6),
            null,
            new ChunkData.RunFinished("failed", "error")));

    UsageRollup minute = window(latest(), "minute", T0);
    assertThat(minute.runs()).isEqualTo(1);
    assertThat(minute.failures()).isZero();
    assertThat(minute.inputTokens()).isEqualTo(10);
    assertThat(minute.outputTokens()).isEqualTo(20);
  }

  @Test
  void shouldCountALateRunInItsOwnWindowWithinTheGraceAndDropItAfter() {
    run(T0.plusSeconds(600), 50, 500, "completed", 1, 1).forEach(this::send);
    // 9 minutes late: inside the 30-minute grace, counted in its own minute
    run(T0.plusSeconds(60), 50, 500, "completed", 2, 2).forEach(this::send);
    // stream time moves past the grace of T0's minute and hour windows
    run(T0.plusSeconds(3 * 3600), 50, 500, "completed", 4, 4).forEach(this::send);
    run(T0.plusSeconds(5), 50, 500, "completed", 8, 8).forEach(this::send);

    Map<String, UsageRollup> latest = latest();
    assertThat(window(latest, "minute", T0.plusSeconds(60)).inputTokens()).isEqualTo(2);
    assertThat(window(latest, "hour", T0).inputTokens()).isEqualTo(3);
    assertThat(
            latest.values().stream()
                .filter(r -> r.windowStart().equals(T0) && r.granularity().equals("minute")))
        .as("a run later than the grace is not counted")
        .isEmpty();
    // ... but counted as dropped, which the runstream.usage.rollups.dropped counter reads
    double dropped =
        driver.metrics().entrySet().stream()
            .filter(
                m ->
                    m.getKey().name().equals("dropped-records-total")
                        && m.getKey().group().equals("stream-task-metrics"))
            .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue())
            .sum();
    assertThat(dropped).isEqualTo(2); // its minute and its hour window
  }

  @Test
  void shouldAttributeARunFromItsEndWhenItsStartIsMissingAndSkipUnattributedRuns() {
    List<RunChunk> run = run(T0.plusSeconds(1), 50, 500, "failed", 0, 0);
    send(run.getLast()); // a run a lost worker never started: only the reaper's end
    UUID other = UUID.randomUUID();
    send(
        RunChunk.of(
            other,
            UUID.randomUUID(),
            1,
            T0.plusSeconds(2),
            null,
            new ChunkData.RunStarted(UUID.randomUUID(), model)));
    send(
        RunChunk.of(
            other,
            UUID.randomUUID(),
            2,
            T0.plusSeconds(3),
            null,
            new ChunkData.RunFinished("completed", "stop")));

    UsageRollup minute = window(latest(), "minute", T0);
    assertThat(minute.runs()).isEqualTo(1);
    assertThat(minute.failures()).isEqualTo(1);
    assertThat(minute.durationMs().count()).isZero();
    assertThat(minute.durationMs().p50()).isNull();
  }

  @Test
  void shouldReadTheTypeWithoutDecodingTheData() {
    assertThat(
            RunTallyProcessor.typeOf(
                "{\"v\":1,\"data\":{\"type\":\"x\"},\"type\":\"text.delta\"}".getBytes()))
        .isEqualTo("text.delta");
    assertThat(RunTallyProcessor.typeOf("not json".getBytes())).isNull();
    assertThat(RunTallyProcessor.typeOf("[1]".getBytes())).isNull();
  }

  @Test
  void shouldReadPerRunTopicsInThatLayout() {
    driver.close();
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "usage-test-per-run");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            UsageTopology.build(true, Duration.ofMinutes(30), Duration.ofHours(1)), config);
    rollups =
        driver.createOutputTopic(
            Topics.USAGE_ROLLUPS.name(),
            Topics.USAGE_ROLLUPS.key().deserializer(),
            Topics.USAGE_ROLLUPS.value().deserializer());
    List<RunChunk> run = run(T0.plusSeconds(1), 50, 500, "completed", 3, 4);
    TestInputTopic<UUID, byte[]> own =
        driver.createInputTopic(
            Topics.runTopic(run.getFirst().runId()),
            new UUIDSerializer(),
            new ByteArraySerializer());
    run.forEach(chunk -> own.pipeInput(chunk.runId(), EventJson.writeChunk(chunk), chunk.ts()));
    assertThat(window(latest(), "hour", T0).outputTokens()).isEqualTo(4);
  }
}
