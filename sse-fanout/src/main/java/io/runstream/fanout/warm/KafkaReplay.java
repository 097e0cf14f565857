package io.runstream.fanout.warm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.store.RunRow;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
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
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Reads a run back from Kafka, from the offset its first chunk was written at (recorded on the
 * run's row by the sink), keeping only that run's records. Until the sink has recorded it (it lags,
 * e.g. after a broker outage), the run is found by its key's partition and the offset of its
 * creation time, so that a node which never saw a run's start can still read it back without
 * waiting for the sink. Consumers are pooled: creating one per resume would cost a metadata round
 * trip.
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

  /**
   * How far before a run's creation (the database's clock) its first chunk is looked for when the
   * row does not say where it is: the margin for the producer's clock, which stamps the records.
   */
  static final Duration CLOCK_MARGIN = Duration.ofSeconds(10);

  /** True if the run's row says where its chunks start. */
  public static boolean locatable(RunRow run) {
    return run.chunkTopic() != null && run.chunkPartition() != null && run.chunkOffset() != null;
  }

  /**
   * The run's chunks with seq in [{@code fromSeq}, {@code toSeq}], in order, read until {@code
   * toSeq}, the run's end, or the partition's end as it was when the read began. The consumer goes
   * back to the pool before the caller writes anything to a client, so a slow client never holds
   * one. {@code search}: a run whose row does not say where its chunks start yet is found by its
   * key and creation time (only for a run known to have produced chunks: searching for one yet to
   * start would cost every early reader a few round trips to the broker for nothing).
   */
  public List<RunChunk> read(
      RunRow run, long fromSeq, long toSeq, Duration timeout, boolean search) {
    List<RunChunk> chunks = new ArrayList<>();
    if (!locatable(run) && (!search || run.createdAt() == null)) {
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
      TopicPartition partition;
      if (locatable(run)) {
        partition = new TopicPartition(run.chunkTopic(), run.chunkPartition());
        consumer.assign(List.of(partition));
        consumer.seek(partition, run.chunkOffset());
      } else {
        partition = located(consumer, run, timeout);
        if (partition == null) {
          return chunks;
        }
      }
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

  /**
   * Assigns and positions {@code consumer} at the run's start found without the row's offset: the
   * partition its key goes to (the producer's default partitioner), from the first record written
   * at its creation time less {@link #CLOCK_MARGIN}. Null if the topic or such a record is not
   * there (nothing was produced since).
   */
  private TopicPartition located(
      KafkaConsumer<byte[], byte[]> consumer, RunRow run, Duration timeout) {
    String topic = Topics.chunkTopicOf(run.chunkTopic());
    List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
    if (partitions == null || partitions.isEmpty()) {
      return null;
    }
    byte[] key = Serdes.UUID().serializer().serialize(topic, run.id());
    TopicPartition partition =
        new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions.size());
    // Assigned before its offsets are asked: the answer updates the partition's high watermark.
    consumer.assign(List.of(partition));
    long since = run.createdAt().minus(CLOCK_MARGIN).toEpochMilli();
    OffsetAndTimestamp at =
        consumer.offsetsForTimes(Map.of(partition, since), timeout).get(partition);
    if (at == null) {
      return null;
    }
    consumer.seek(partition, at.offset());
    return partition;
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
