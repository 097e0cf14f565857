package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.sink.RunTopicJanitor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * The per-run-topic layout itself: a run's chunks go to its own one-partition topic (and nowhere
 * else), the topic is deleted once the run is past retention and logged, and the run then replays
 * from PostgreSQL with the same ids; a live run's topic is never deleted.
 */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicIT extends PlatformIT {
  @Autowired JdbcClient jdbc;
  @Autowired RunTopicJanitor janitor;

  @Test
  void shouldWriteARunToItsOwnTopicThenDeleteItPastRetentionAndReplayFromPostgreSQL()
      throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"own topic\",\"simulation\":{\"output_tokens\":60,\"tokens_per_second\":0}}");
    assertThat(run.status()).isEqualTo(202);
    UUID runId = UUID.fromString(run.json().path("run_uuid").asString());
    String topic = "runstream.run." + runId;
    String path = "/api/v1/runs/" + runId + "/stream";
    List<TestApi.Event> whole;
    try (TestApi.Stream stream = api.stream(path, token)) {
      whole = stream.untilDone(Duration.ofSeconds(30));
    }
    assertThat(whole.getLast().done()).isTrue();
    assertThat(whole.getFirst().type()).isEqualTo("start");

    // The row names the run's topic from admission on; the topic has one partition holding exactly
    // the run.
    assertThat(
            jdbc.sql("SELECT chunk_topic FROM runs WHERE id = ?")
                .param(runId)
                .query(String.class)
                .single())
        .isEqualTo(topic);
    try (Admin admin = EmbeddedPlatform.shared().kafka().admin()) {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
      assertThat(description.partitions()).hasSize(1);
    }
    List<RunChunk> records = readAll(topic);
    assertThat(records).extracting(RunChunk::runId).containsOnly(runId);
    assertThat(records).extracting(RunChunk::seq).doesNotHaveDuplicates().isSorted();
    assertThat(records.getFirst().seq()).isEqualTo(whole.getFirst().seq());
    assertThat(records.getLast().terminal()).isTrue();
    assertThat(records.getLast().seq()).isEqualTo(whole.getLast().seq());

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    // The end is stored by the worker before the sink logs the run's last chunk (ADR 0013); the
    // topic may go only once
    // the log holds all of it.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql(
                                "SELECT count(*) FROM run_chunk_seqs c JOIN runs r ON r.id = c.run_id WHERE r.id = ? AND c.seq = r.last_seq")
                            .param(runId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(1));
    // Not yet past retention: kept. Past it (and logged): deleted.
    janitor.sweep(Instant.now());
    assertThat(topics()).contains(topic);
    assertThat(janitor.sweep(Instant.now().plus(Duration.ofDays(8)))).isPositive();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(topics()).doesNotContain(topic));

    // A node with nothing in memory replays it from PostgreSQL: all of it, from a middle id, and
    // 204 at the end.
    ConfigurableApplicationContext fresh = startFanout();
    try {
      TestApi node = new TestApi(((WebServerApplicationContext) fresh).getWebServer().getPort());
      try (TestApi.Stream stream = node.stream(path, token)) {
        assertThat(stream.untilDone(Duration.ofSeconds(30))).isEqualTo(whole);
      }
      int cut = whole.size() / 2;
      try (TestApi.Stream stream = node.stream(path + "?after=" + whole.get(cut).seq(), token)) {
        assertThat(stream.untilDone(Duration.ofSeconds(30)))
            .isEqualTo(whole.subList(cut + 1, whole.size()));
      }
      try (TestApi.Stream stream =
          node.stream(path, token, Map.of("Last-Event-ID", Long.toString(whole.getLast().seq())))) {
        assertThat(stream.status).isEqualTo(204);
      }
    } finally {
      fresh.close();
    }
  }

  @Test
  void shouldNeverDeleteTheTopicOfALiveRun() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("still running", 400, 40));
    String sessionId = created.json().path("uuid").asString();
    String runId = created.json().path("run_uuid").asString();
    String path = "/api/v1/sessions/" + sessionId + "/stream";
    try (TestApi.Stream stream = api.stream(path, token)) {
      List<TestApi.Event> head = stream.take(5, Duration.ofSeconds(20));
      janitor.sweep(Instant.now().plus(Duration.ofDays(30)));
      assertThat(topics()).contains("runstream.run." + runId);
      List<TestApi.Event> rest = stream.untilDone(Duration.ofSeconds(60));
      List<TestApi.Event> all = new ArrayList<>(head);
      all.addAll(rest);
      assertThat(all.getLast().done()).isTrue();
      assertThat(all.subList(0, all.size() - 1))
          .extracting(TestApi.Event::seq)
          .isSorted()
          .doesNotHaveDuplicates();
      assertThat(all.get(all.size() - 2).seq() - all.getFirst().seq()).isEqualTo(all.size() - 2);
    }
  }

  private static Set<String> topics() throws Exception {
    try (Admin admin = EmbeddedPlatform.shared().kafka().admin()) {
      return admin.listTopics().names().get(10, TimeUnit.SECONDS);
    }
  }

  private static List<RunChunk> readAll(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        EmbeddedPlatform.shared().kafka().bootstrapServers());
    List<RunChunk> chunks = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      UUIDDeserializer keys = new UUIDDeserializer();
      while (consumer.position(partition) < end) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          RunChunk chunk = EventJson.readChunk(record.value());
          assertThat(keys.deserialize(topic, record.key())).isEqualTo(chunk.runId());
          chunks.add(chunk);
        }
      }
    }
    return chunks;
  }

  private static ConfigurableApplicationContext startFanout() {
    return startFanoutNode(Map.of("runstream.chunks.layout", "per-run-topic"));
  }
}
