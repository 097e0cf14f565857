package io.runstream.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The sink's consumer loop. At least once with idempotent writes: offsets are committed only after the batch's
 * transaction; a database failure rewinds to the batch and retries with backoff (pausing, losing nothing); a
 * record that is not a chunk goes to {@code runstream.run-chunks-dlt}.
 */
@Component
public class ChunkSink implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkSink.class);

  private final KafkaClients clients;
  private final ChunkBatchWriter writer;
  private final SinkProperties properties;
  private final Counter persisted;
  private final Counter deadLettered;
  private volatile boolean running;
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> deadLetters;
  private Thread loop;

  public ChunkSink(
      KafkaClients clients, ChunkBatchWriter writer, SinkProperties properties, MeterRegistry meters) {
    this.clients = clients;
    this.writer = writer;
    this.properties = properties;
    this.persisted = meters.counter("runstream.sink.chunks.persisted");
    this.deadLettered = meters.counter("runstream.sink.chunks.dead-lettered");
  }

  @Override
  public synchronized void start() {
    if (running || !properties.enabled()) {
      return;
    }
    consumer =
        clients.rawConsumer(
            "sink",
            properties.groupId(),
            Map.of("max.poll.records", properties.maxBatch(), "fetch.max.wait.ms", 100,
                "partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"));
    deadLetters =
        clients.producer("sink-dlt", Topics.RUN_CHUNKS_DLT.key(), Topics.RUN_CHUNKS_DLT.value(), Map.of());
    consumer.subscribe(List.of(Topics.RUN_CHUNKS.name()));
    running = true;
    loop = Thread.ofPlatform().name("chunk-sink").daemon().start(this::pollLoop);
    LOG.info("Persistence sink consuming {} as group {}", Topics.RUN_CHUNKS.name(), properties.groupId());
  }

  private void pollLoop() {
    long backoffMs = 100;
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        List<ChunkBatchWriter.Located> batch = new ArrayList<>(records.count());
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          first.putIfAbsent(partition, record.offset());
          next.put(partition, new OffsetAndMetadata(record.offset() + 1));
          RunChunk chunk = decode(record);
          if (chunk != null) {
            batch.add(new ChunkBatchWriter.Located(chunk, record.topic(), record.partition(), record.offset()));
          }
        }
        try {
          int written = writer.write(batch);
          persisted.increment(written);
          consumer.commitSync(next);
          backoffMs = 100;
        } catch (DataAccessException | org.springframework.transaction.TransactionException e) {
          LOG.warn("Database unavailable ({}); retrying the batch in {} ms", e.getMessage(), backoffMs);
          first.forEach(consumer::seek);
          TimeUnit.MILLISECONDS.sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, properties.maxBackoff().toMillis());
        }
      }
    } catch (WakeupException e) {
      // stopping
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("Persistence sink stopped unexpectedly", e);
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("Consumer close failed", e);
      }
    }
  }

  private RunChunk decode(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
    try {
      return EventJson.readChunk(record.value() == null ? new byte[0] : record.value());
    } catch (IllegalArgumentException e) {
      LOG.warn("Poison chunk at {}-{}@{}: {}; set aside to {}", record.topic(), record.partition(), record.offset(),
          e.getMessage(), Topics.RUN_CHUNKS_DLT.name());
      try {
        deadLetters.send(new ProducerRecord<>(Topics.RUN_CHUNKS_DLT.name(), record.key(), record.value())).get();
        deadLettered.increment();
      } catch (java.util.concurrent.ExecutionException sendFailed) {
        throw new IllegalStateException("cannot set the poison chunk aside", sendFailed.getCause());
      }
      return null;
    }
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      loop.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadLetters.close(Duration.ofSeconds(5));
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
