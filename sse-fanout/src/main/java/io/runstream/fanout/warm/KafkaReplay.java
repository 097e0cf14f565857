package io.runstream.fanout.warm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.store.RunRow;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Reads a run back from Kafka, from the offset its first chunk was written at (recorded on the
 * run's row), keeping only that run's records. Consumers are pooled: creating one per resume would
 * cost a metadata round trip.
 */
@Component
public class KafkaReplay implements DisposableBean {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaReplay.class);
  private static final int POOL = 4;
  private static final Duration POLL = Duration.ofMillis(100);

  /** Most reads from Kafka at once; more wait a little, then fall back to the chunk log. */
  private static final int MAX_CONCURRENT = 16;

  private final KafkaClients clients;
  private final BlockingQueue<KafkaConsumer<byte[], byte[]>> pool = new ArrayBlockingQueue<>(POOL);
  private final UUIDDeserializer keys = new UUIDDeserializer();
  private final Counter reads;
  private volatile boolean closed;
  private final Semaphore slots = new Semaphore(MAX_CONCURRENT);

  public KafkaReplay(KafkaClients clients, MeterRegistry meters) {
    this.clients = clients;
    this.reads = meters.counter("runstream.fanout.resume.kafka");
  }

  /** True if the run's row says where its chunks start. */
  public static boolean locatable(RunRow run) {
    return run.chunkTopic() != null && run.chunkPartition() != null && run.chunkOffset() != null;
  }

  /**
   * The run's chunks with seq in [{@code fromSeq}, {@code toSeq}], in order, read until {@code
   * toSeq}, the run's end, or the partition's end as it was when the read began. The consumer goes
   * back to the pool before the caller writes anything to a client, so a slow client never holds
   * one.
   */
  public List<RunChunk> read(RunRow run, long fromSeq, long toSeq, Duration timeout) {
    List<RunChunk> chunks = new ArrayList<>();
    if (!locatable(run)) {
      return chunks;
    }
    try {
      if (!slots.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return chunks;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return chunks;
    }
    reads.increment();
    KafkaConsumer<byte[], byte[]> consumer = borrow();
    long last = fromSeq - 1;
    try {
      TopicPartition partition = new TopicPartition(run.chunkTopic(), run.chunkPartition());
      consumer.assign(List.of(partition));
      consumer.seek(partition, run.chunkOffset());
      long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
      long deadline = System.nanoTime() + timeout.toNanos();
      UUID runId = run.id();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          if (record.key() == null
              || !runId.equals(keys.deserialize(record.topic(), record.key()))) {
            continue;
          }
          RunChunk chunk;
          try {
            chunk = EventJson.readChunk(record.value());
          } catch (IllegalArgumentException e) {
            continue;
          }
          if (chunk.seq() < fromSeq || chunk.seq() <= last) {
            continue;
          }
          if (chunk.seq() > toSeq) {
            return chunks;
          }
          chunks.add(chunk);
          last = chunk.seq();
          if (chunk.terminal() || last >= toSeq) {
            return chunks;
          }
        }
      }
      return chunks;
    } catch (KafkaException e) {
      LOG.warn("Run {}: reading it back from Kafka failed: {}", run.id(), e.getMessage());
      return chunks;
    } finally {
      giveBack(consumer);
      slots.release();
    }
  }

  private KafkaConsumer<byte[], byte[]> borrow() {
    KafkaConsumer<byte[], byte[]> consumer = pool.poll();
    return consumer != null
        ? consumer
        : clients.rawConsumer(
            "fanout-replay",
            null,
            Map.of("max.poll.records", 2000, "fetch.max.wait.ms", 50, "enable.auto.commit", false));
  }

  private void giveBack(KafkaConsumer<byte[], byte[]> consumer) {
    if (closed) {
      consumer.close(Duration.ofSeconds(1));
      return;
    }
    try {
      consumer.unsubscribe();
    } catch (RuntimeException e) {
      consumer.close(Duration.ofSeconds(1));
      return;
    }
    if (!pool.offer(consumer)) {
      consumer.close(Duration.ofSeconds(1));
    }
  }

  @Override
  public void destroy() {
    closed = true;
    KafkaConsumer<byte[], byte[]> consumer;
    while ((consumer = pool.poll()) != null) {
      consumer.close(Duration.ofSeconds(1));
    }
  }
}
