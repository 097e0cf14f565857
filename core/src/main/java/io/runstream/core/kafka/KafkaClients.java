package io.runstream.core.kafka;

import io.runstream.schemas.Topic;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.springframework.stereotype.Component;

/** Builds Kafka clients for the catalogue's topics with Runstream's defaults. */
@Component
public class KafkaClients {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private final KafkaProperties properties;

  public KafkaClients(KafkaProperties properties) {
    this.properties = properties;
  }

  /** The clients' configuration. */
  public KafkaProperties properties() {
    return properties;
  }

  /** The configured bootstrap servers. */
  public String bootstrapServers() {
    return properties.bootstrapServers();
  }

  /**
   * An idempotent producer that waits for every in-sync replica ({@code acks=all}); records of one
   * key stay in order across retries.
   */
  public <K, V> KafkaProducer<K, V> producer(
      String name, Topic<K, V> topic, Map<String, Object> overrides) {
    return producer(name, topic.key(), topic.value(), overrides);
  }

  /** An idempotent {@code acks=all} producer with the given serdes. */
  public <K, V> KafkaProducer<K, V> producer(
      String name, Serde<K> key, Serde<V> value, Map<String, Object> overrides) {
    Map<String, Object> config = common(name);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.putAll(overrides);
    return new KafkaProducer<>(config, key.serializer(), value.serializer());
  }

  /**
   * A consumer of raw bytes; the caller decodes, so that a poison record can be set aside instead
   * of looping.
   */
  public KafkaConsumer<byte[], byte[]> rawConsumer(
      String name, String groupId, Map<String, Object> overrides) {
    Map<String, Object> config = common(name);
    if (groupId != null) {
      // Rebalances move only the partitions that change owner: the other members keep consuming.
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
      config.put(
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
          "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    }
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    config.putAll(overrides);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The common settings (brokers, security, client id) for a Kafka Streams application. */
  public Map<String, Object> streamsConfig(String name) {
    return common(name);
  }

  /** An admin client; the caller closes it. */
  public Admin admin(String name) {
    return Admin.create(common(name));
  }

  private Map<String, Object> common(String name) {
    Map<String, Object> config = new HashMap<>(properties.properties());
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
    config.put(
        CommonClientConfigs.CLIENT_ID_CONFIG,
        properties.clientIdPrefix() + "-" + name + "-" + SEQUENCE.incrementAndGet());
    return config;
  }
}
