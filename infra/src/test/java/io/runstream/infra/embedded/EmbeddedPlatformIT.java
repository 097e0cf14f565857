package io.runstream.infra.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.Topics;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedPlatformIT {

  @Test
  void shouldHostEveryCatalogueTopicWithoutAutoCreation() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    try (var admin = platform.kafka().admin()) {
      assertThat(admin.listTopics().names().get())
          .containsAll(Topics.all().stream().map(t -> t.name()).toList());
      String config =
          admin
              .describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "1")))
              .all()
              .get()
              .values()
              .iterator()
              .next()
              .get("auto.create.topics.enable")
              .value();
      assertThat(config).isEqualTo("false");
    }
  }

  @Test
  void shouldDeliverEveryRecordProducedRightAfterTopicCreation() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    String topic = "runstream.it-" + UUID.randomUUID();
    platform
        .kafka()
        .createTopics(List.of(new NewTopic(topic, 3, (short) 1)), Duration.ofSeconds(30));
    Map<String, Object> producerProps =
        Map.of(
            "bootstrap.servers",
            platform.kafka().bootstrapServers(),
            "acks",
            "all",
            "enable.idempotence",
            true);
    int count = 2000;
    try (var producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + (i % 17), "v" + i));
      }
      producer.flush();
    }
    Map<String, Object> consumerProps =
        Map.of(
            "bootstrap.servers",
            platform.kafka().bootstrapServers(),
            "auto.offset.reset",
            "earliest");
    List<ConsumerRecord<String, String>> seen = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(
          List.of(
              new TopicPartition(topic, 0),
              new TopicPartition(topic, 1),
              new TopicPartition(topic, 2)));
      consumer.seekToBeginning(consumer.assignment());
      long deadline = System.currentTimeMillis() + 30_000;
      while (seen.size() < count && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
      }
    }
    assertThat(seen).hasSize(count);
  }

  @Test
  void shouldServeTheRunstreamDatabase() throws Exception {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    try (Connection c = platform.postgres().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT current_database(), current_setting('server_version_num')::int")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("runstream");
      assertThat(rs.getInt(2)).isGreaterThanOrEqualTo(170000);
    }
  }
}
