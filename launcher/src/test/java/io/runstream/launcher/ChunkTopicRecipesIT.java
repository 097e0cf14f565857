package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.runstream.infra.embedded.EmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The recipes of docs/operations.md for analytics consumers (issue #13 item 2, part), run as
 * written: {@code kcat} (Debian's package) and a plain Java consumer read a run's chunks from
 * {@code runstream.run-chunks}: keyed by run id, seqs contiguous from {@code run.started} to {@code
 * run.finished}.
 */
class ChunkTopicRecipesIT extends PlatformIT {

  private static String bootstrap() {
    return EmbeddedPlatform.shared()
        .serviceProperties()
        .get("runstream.kafka.bootstrap-servers")
        .toString();
  }

  private String finishedRun() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"for analytics\",\"simulation\":{\"output_tokens\":15,\"tokens_per_second\":0}}");
    String runId = run.json().path("run_uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      assertThat(stream.untilDone(Duration.ofSeconds(30)).getLast().done()).isTrue();
    }
    return runId;
  }

  private static void assertOneWholeRun(List<JsonNode> chunks) {
    assertThat(chunks).isNotEmpty();
    assertThat(chunks.getFirst().path("type").asString()).isEqualTo("run.started");
    assertThat(chunks.getLast().path("type").asString()).isEqualTo("run.finished");
    for (int i = 1; i < chunks.size(); i++) {
      assertThat(chunks.get(i).path("seq").asLong())
          .isEqualTo(chunks.get(i - 1).path("seq").asLong() + 1);
    }
    assertThat(chunks).allSatisfy(c -> assertThat(c.path("v").asInt()).isEqualTo(1));
  }

  @Test
  void shouldReadARunsChunksWithKcatAsTheReadmeShows() throws Exception {
    Optional<Path> kcat = ExternalClients.onPath("kcat");
    assumeTrue(
        kcat.isPresent(), "kcat is not on the PATH (bin/runstream test installs Debian's kcat)");
    String runId = finishedRun();
    // docs/operations.md: kcat -C -b localhost:9092 -t runstream.run-chunks -o beginning -e -q -f
    // '%k %s\n'
    ExternalClients.Finished read =
        ExternalClients.run(
            Path.of("."),
            Duration.ofSeconds(60),
            kcat.get().toString(),
            "-C",
            "-b",
            bootstrap(),
            "-t",
            "runstream.run-chunks",
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "%k %s\\n");
    assertThat(read.exitCode()).as(read.describe()).isZero();
    List<JsonNode> chunks = new ArrayList<>();
    for (String line : read.stdout().lines().toList()) {
      if (line.startsWith(runId + " ")) {
        chunks.add(TestApi.JSON.readTree(line.substring(runId.length() + 1)));
      }
    }
    assertOneWholeRun(chunks);
    assertThat(chunks).allSatisfy(c -> assertThat(c.path("runId").asString()).isEqualTo(runId));
  }

  @Test
  void shouldReadARunsChunksWithAPlainJavaConsumerAsTheReadmeShows() throws Exception {
    String runId = finishedRun();
    List<JsonNode> chunks = new ArrayList<>();
    // docs/operations.md: a plain consumer of its own group, from the beginning, keys and values as
    // strings.
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap(),
                "group.id",
                "analytics-" + runId,
                "auto.offset.reset",
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of("runstream.run-chunks"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline
          && (chunks.isEmpty()
              || !chunks.getLast().path("type").asString().equals("run.finished"))) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          if (runId.equals(record.key())) {
            chunks.add(TestApi.JSON.readTree(record.value()));
          }
        }
      }
    }
    assertOneWholeRun(chunks);
  }
}
