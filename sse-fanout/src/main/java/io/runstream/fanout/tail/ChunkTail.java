package io.runstream.fanout.tail;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.hot.HotRuns;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Consumes every partition of the chunk topic once for this node (no consumer group: every node sees every
 * chunk) and appends to the hot tier. A chunk that cannot be read is skipped here; the sink sets it aside.
 */
@Component
public class ChunkTail extends ConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkTail.class);
  private static final long EXPIRE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final KafkaClients clients;
  private final HotRuns hot;
  private final FanoutProperties properties;
  private final Timer endToEnd;
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
  private volatile boolean ready;

  public ChunkTail(KafkaClients clients, HotRuns hot, FanoutProperties properties, MeterRegistry meters) {
    super("chunk-tail", Duration.ofSeconds(10));
    this.clients = clients;
    this.hot = hot;
    this.properties = properties;
    this.endToEnd =
        Timer.builder("runstream.fanout.consume.latency")
            .description("chunk produce timestamp to consumed by this node")
            .publishPercentileHistogram()
            .publishPercentiles(0.5, 0.99)
            .register(meters);
    Gauge.builder("runstream.fanout.consumer.lag", lag, m -> m.values().stream().mapToLong(Long::longValue).sum())
        .register(meters);
  }

  @Override
  protected KafkaConsumer<byte[], byte[]> openConsumer() {
    return clients.rawConsumer(
        "fanout",
        null,
        Map.of(
            "fetch.max.wait.ms", (int) properties.fetchMaxWait().toMillis(),
            "max.poll.records", 2000,
            "max.partition.fetch.bytes", 4 * 1024 * 1024));
  }

  @Override
  protected void loop(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException {
    List<TopicPartition> partitions = assignAll(consumer, Topics.RUN_CHUNKS.name());
    if (partitions.isEmpty()) {
      return;
    }
    position(consumer, partitions);
    LOG.info("Fan-out node tailing {} ({} partitions)", Topics.RUN_CHUNKS.name(), partitions.size());
    long lastExpire = System.nanoTime();
    while (running()) {
      ConsumerRecords<byte[], byte[]> records;
      try {
        records = consumer.poll(Duration.ofMillis(100));
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        LOG.warn("Chunk tail poll failed ({}); retrying", e.getMessage());
        Thread.sleep(500);
        continue;
      }
      long now = System.currentTimeMillis();
      for (ConsumerRecord<byte[], byte[]> record : records) {
        try {
          RunChunk chunk = EventJson.readChunk(record.value() == null ? new byte[0] : record.value());
          hot.append(chunk);
          endToEnd.record(Math.max(0, now - record.timestamp()), TimeUnit.MILLISECONDS);
        } catch (IllegalArgumentException e) {
          LOG.warn("Skipping unreadable chunk at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
              e.getMessage());
        } catch (RuntimeException e) {
          LOG.error("Chunk at {}-{}@{} could not be buffered", record.topic(), record.partition(), record.offset(), e);
        }
      }
      ready = true;
      recovered();
      if (System.nanoTime() - lastExpire > EXPIRE_EVERY_NANOS) {
        lastExpire = System.nanoTime();
        hot.expire();
        for (TopicPartition partition : consumer.assignment()) {
          consumer.currentLag(partition).ifPresent(l -> lag.put(partition, l));
        }
      }
    }
  }

  /** Starts {@code start-lookback} back, to warm memory with runs that began just before this node. */
  private void position(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
    long since = System.currentTimeMillis() - properties.startLookback().toMillis();
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(p -> query.put(p, since));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp at = found.get(partition);
      consumer.seek(partition, at != null ? at.offset() : ends.get(partition));
    }
  }

  /** True once the tail has polled at least once. */
  public boolean ready() {
    return ready;
  }
}
