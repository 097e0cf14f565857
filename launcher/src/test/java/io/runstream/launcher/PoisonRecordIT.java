package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.core.failure.DeadLetters;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue #9: a record no consumer can read is set aside on its {@code -dlt} topic with headers
 * naming its original topic, partition, offset and the failure (spring-kafka's {@code kafka_dlt-*}
 * names), once, and consumption goes on.
 */
class PoisonRecordIT extends PlatformIT {

  private static String bootstrap() {
    return EmbeddedPlatform.shared()
        .serviceProperties()
        .get("runstream.kafka.bootstrap-servers")
        .toString();
  }

  private static RecordMetadata produce(String topic, byte[] key, byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      return producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> letters(String dlt, byte[] value) {
    List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap(),
                "auto.offset.reset",
                "earliest",
                "enable.auto.commit",
                false),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(dlt).stream()
              .map(p -> new TopicPartition(dlt, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline
          && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (Arrays.equals(record.value(), value)) {
            found.add(record);
          }
        }
      }
    }
    return found;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void shouldSetAPoisonChunkAndAPoisonRunRequestAsideWithTheirOriginAndGoOn() throws Exception {
    byte[] chunk =
        ("{\"not\":\"a chunk " + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8);
    RecordMetadata chunkAt =
        produce(
            Topics.RUN_CHUNKS.name(),
            UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
            chunk);
    byte[] request =
        ("{\"not\":\"a run request " + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8);
    RecordMetadata requestAt =
        produce(
            Topics.RUN_REQUESTS.name(),
            UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
            request);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<ConsumerRecord<byte[], byte[]>> letters =
                  letters(Topics.RUN_CHUNKS_DLT.name(), chunk);
              assertThat(letters).hasSize(1);
              ConsumerRecord<byte[], byte[]> letter = letters.getFirst();
              assertThat(header(letter, DeadLetters.ORIGINAL_TOPIC))
                  .isEqualTo(Topics.RUN_CHUNKS.name());
              assertThat(
                      ByteBuffer.wrap(
                              letter.headers().lastHeader(DeadLetters.ORIGINAL_PARTITION).value())
                          .getInt())
                  .isEqualTo(chunkAt.partition());
              assertThat(
                      ByteBuffer.wrap(
                              letter.headers().lastHeader(DeadLetters.ORIGINAL_OFFSET).value())
                          .getLong())
                  .isEqualTo(chunkAt.offset());
              assertThat(header(letter, DeadLetters.EXCEPTION_FQCN))
                  .isEqualTo(IllegalArgumentException.class.getName());
              assertThat(header(letter, DeadLetters.EXCEPTION_MESSAGE)).isNotBlank();
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<ConsumerRecord<byte[], byte[]>> letters =
                  letters(Topics.RUN_REQUESTS_DLT.name(), request);
              assertThat(letters).hasSize(1);
              assertThat(header(letters.getFirst(), DeadLetters.ORIGINAL_TOPIC))
                  .isEqualTo(Topics.RUN_REQUESTS.name());
              assertThat(
                      ByteBuffer.wrap(
                              letters
                                  .getFirst()
                                  .headers()
                                  .lastHeader(DeadLetters.ORIGINAL_OFFSET)
                                  .value())
                          .getLong())
                  .isEqualTo(requestAt.offset());
            });

    // Consumption went on: a run after the poison streams to its end.
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("after the poison", 10, 0));
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token)) {
      assertThat(read.untilDone(Duration.ofSeconds(30)).getLast().done()).isTrue();
    }
  }
}
