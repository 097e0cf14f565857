package io.runstream.sink.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.failure.Failures;
import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.usage.UsageRollupStore;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.Topics;
import io.runstream.schemas.UsageRollup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores the roll-up records in PostgreSQL ({@code usage_rollups}): reads committed records only
 * (the roll-ups write in transactions), keeps the newest record of each window per batch, and
 * commits offsets after the database's transaction. A database outage pauses it and loses nothing;
 * a replay changes nothing (a window's row is only replaced by a total with at least as many runs).
 */
@Component
public class UsageRollupWriter extends ConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(UsageRollupWriter.class);

  private final KafkaClients clients;
  private final UsageRollupStore store;
  private final UsageProperties properties;
  private final TransactionTemplate tx;
  private final Counter written;
  private KafkaConsumer<byte[], byte[]> consumer;

  public UsageRollupWriter(
      KafkaClients clients,
      UsageRollupStore store,
      UsageProperties properties,
      TransactionTemplate tx,
      MeterRegistry meters) {
    super("usage-rollup-writer", Duration.ofSeconds(10));
    this.clients = clients;
    this.store = store;
    this.properties = properties;
    this.tx = tx;
    this.written =
        Counter.builder("runstream.usage.rollups.written")
            .description("usage roll-up records stored in PostgreSQL")
            .register(meters);
  }

  @Override
  protected boolean enabled() {
    return properties.enabled();
  }

  @Override
  protected KafkaConsumer<byte[], byte[]> openConsumer() {
    return clients.rawConsumer(
        "usage-writer",
        properties.writerGroupId(),
        Map.of("isolation.level", "read_committed", "max.poll.records", 2000));
  }

  @Override
  protected void afterOpen(KafkaConsumer<byte[], byte[]> opened) {
    consumer = opened;
    consumer.subscribe(List.of(Topics.USAGE_ROLLUPS.name()));
  }

  @Override
  protected void loop(KafkaConsumer<byte[], byte[]> ignored) throws InterruptedException {
    pollBatches(consumer, Duration.ofMillis(500), Duration.ofSeconds(5), this::store);
  }

  private boolean store(ConsumerRecords<byte[], byte[]> records) {
    Map<String, UsageRollup> newest = new LinkedHashMap<>();
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      TopicPartition partition = new TopicPartition(record.topic(), record.partition());
      first.putIfAbsent(partition, record.offset());
      next.put(partition, new OffsetAndMetadata(record.offset() + 1));
      if (record.value() == null) {
        continue;
      }
      try {
        UsageRollup rollup = EventJson.read(record.value(), UsageRollup.class);
        newest.put(rollup.key(), rollup);
      } catch (IllegalArgumentException e) {
        LOG.warn(
            "Usage roll-up writer: unreadable record {} at {}-{}@{}: {}; skipped",
            record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8),
            record.topic(),
            record.partition(),
            record.offset(),
            e.getMessage());
      }
    }
    try {
      tx.executeWithoutResult(status -> newest.values().forEach(store::upsert));
    } catch (DataAccessException | TransactionException e) {
      if (Failures.retriable(e)) {
        LOG.warn("Database unavailable ({}); the roll-ups will be written again", e.getMessage());
        first.forEach(consumer::seek);
        return false;
      }
      // Refused for good (nothing the records can cause today): skipped, not retried forever; the
      // window's next
      // total replaces it, and the topic keeps every window for a replay.
      LOG.error(
          "Usage roll-up writer: the database refused {} roll-up(s) {}; skipped",
          newest.size(),
          newest.keySet(),
          e);
      consumer.commitSync(next);
      return true;
    }
    written.increment(newest.size());
    consumer.commitSync(next);
    return true;
  }
}
