package io.runstream.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.runstream.core.failure.DeadLetters;
import io.runstream.core.failure.Failures;
import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.tracing.RunTracing;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * The sink's consumer loop. At least once with idempotent writes: offsets are committed only after
 * the batch's transaction; a database failure rewinds to the batch and retries with backoff
 * (pausing, losing nothing); a record that is not a chunk goes to {@code runstream.run-chunks-dlt}.
 */
@Component
public class ChunkSink extends ConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkSink.class);

  private final KafkaClients clients;
  private final ChunkBatchWriter writer;
  private final SinkProperties properties;
  private final ChunkLayout layout;
  private final Counter persisted;
  private final Counter deadLetterCount;
  private final Timer persistDelay;
  private final Set<String> deadLettered =
      Collections.newSetFromMap(
          new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 10_000;
            }
          });
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> deadLetters;

  private final RunTracing tracing;

  public ChunkSink(
      KafkaClients clients,
      ChunkBatchWriter writer,
      SinkProperties properties,
      ChunkLayout layout,
      MeterRegistry meters,
      RunTracing tracing) {
    super("chunk-sink", Duration.ofSeconds(15));
    this.tracing = tracing;
    this.layout = layout;
    this.clients = clients;
    this.writer = writer;
    this.properties = properties;
    this.persisted = meters.counter("runstream.sink.chunks.persisted");
    this.deadLetterCount = meters.counter("runstream.sink.chunks.dead-lettered");
    this.persistDelay =
        Timer.builder("runstream.sink.persist.delay")
            .description(
                "sink lag in time: a stored batch's oldest chunk, from its emission to the batch's commit")
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(meters);
  }

  @Override
  protected boolean enabled() {
    return properties.enabled();
  }

  /** A sink that stores no chunks is not ready. */
  @Override
  protected String readinessName() {
    return "chunkSink";
  }

  @Override
  protected KafkaConsumer<byte[], byte[]> openConsumer() {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("max.poll.records", properties.maxBatch());
    overrides.put("fetch.max.wait.ms", (int) properties.fetchMaxWait().toMillis());
    overrides.put("fetch.min.bytes", properties.fetchMinBytes());
    if (layout.perRunTopics()) {
      // A pattern subscription sees a new run's topic at the next metadata refresh.
      overrides.put("metadata.max.age.ms", (int) layout.metadataMaxAge().toMillis());
    }
    return clients.rawConsumer("sink", properties.groupId(), overrides);
  }

  @Override
  protected void afterOpen(KafkaConsumer<byte[], byte[]> opened) {
    consumer = opened;
    deadLetters =
        clients.producer(
            "sink-dlt", Topics.RUN_CHUNKS_DLT.key(), Topics.RUN_CHUNKS_DLT.value(), Map.of());
    if (layout.perRunTopics()) {
      consumer.subscribe(Topics.ANY_CHUNK_TOPIC);
      LOG.info(
          "Persistence sink consuming {} and every per-run topic as group {}",
          Topics.RUN_CHUNKS.name(),
          properties.groupId());
    } else {
      consumer.subscribe(List.of(Topics.RUN_CHUNKS.name()));
      LOG.info(
          "Persistence sink consuming {} as group {}",
          Topics.RUN_CHUNKS.name(),
          properties.groupId());
    }
  }

  @Override
  protected void loop(KafkaConsumer<byte[], byte[]> ignored) throws InterruptedException {
    pollBatches(consumer, Duration.ofMillis(200), properties.maxBackoff(), this::persistOrRewind);
  }

  /**
   * Persists one poll's records and commits; false if the database was unavailable (rewound for a
   * retry).
   */
  private boolean persist(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
    // A traced run's last chunk gets a span in the run's trace for the batch that stores it.
    List<Span> spans = new ArrayList<>();
    try {
      return persist(records, spans);
    } finally {
      spans.forEach(Span::end);
    }
  }

  private boolean persist(ConsumerRecords<byte[], byte[]> records, List<Span> spans)
      throws InterruptedException {
    List<ChunkBatchWriter.Located> batch = new ArrayList<>(records.count());
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      TopicPartition partition = new TopicPartition(record.topic(), record.partition());
      first.putIfAbsent(partition, record.offset());
      next.put(partition, new OffsetAndMetadata(record.offset() + 1));
      RunChunk chunk = decode(record);
      if (chunk != null && chunk.terminal() && record.headers().lastHeader("traceparent") != null) {
        Span span = tracing.start("runstream.sink.persist", record.headers());
        if (span != null) {
          spans.add(
              span.tag("runstream.run_id", chunk.runId().toString())
                  .tag("runstream.chunks", records.count()));
        }
      }
      if (chunk != null) {
        batch.add(
            new ChunkBatchWriter.Located(
                chunk, record.topic(), record.partition(), record.offset()));
      }
    }
    try {
      persisted.increment(writer.write(batch));
      recordDelay(batch);
    } catch (DataAccessException | TransactionException e) {
      if (Failures.retriable(e)) {
        LOG.warn("Database unavailable ({}); the batch will be retried", e.getMessage());
        first.forEach(consumer::seek);
        return false;
      }
      // Something in the batch the database refuses for good: write chunk by chunk and set the
      // refused aside.
      LOG.warn("Batch refused ({}); writing it chunk by chunk", e.getMessage());
      for (ChunkBatchWriter.Located located : batch) {
        try {
          persisted.increment(writer.write(List.of(located)));
        } catch (DataAccessException | TransactionException refused) {
          if (Failures.retriable(refused)) {
            first.forEach(consumer::seek);
            return false;
          }
          LOG.warn(
              "Chunk {}#{} refused by the database ({}); set aside to {}",
              located.chunk().runId(),
              located.chunk().seq(),
              refused.getMessage(),
              Topics.RUN_CHUNKS_DLT.name());
          deadLetter(
              DeadLetters.of(
                  Topics.RUN_CHUNKS_DLT.name(),
                  located.chunk().runId().toString().getBytes(StandardCharsets.UTF_8),
                  EventJson.writeChunk(located.chunk()),
                  located.topic(),
                  located.partition(),
                  located.offset(),
                  located.chunk().ts().toEpochMilli(),
                  refused));
        }
      }
    }
    commit(next);
    if (layout.perRunTopics()) {
      // A per-run topic holds nothing after its run's end: stop fetching it (fewer partitions per
      // fetch, and no
      // fetch errors once the clean-up deletes it). A rebalance that hands it over again resumes
      // it, harmlessly.
      List<TopicPartition> ended = new ArrayList<>();
      for (ChunkBatchWriter.Located located : batch) {
        if (located.chunk().terminal() && Topics.RUN_TOPIC.matcher(located.topic()).matches()) {
          ended.add(new TopicPartition(located.topic(), located.partition()));
        }
      }
      ended.removeIf(partition -> !consumer.assignment().contains(partition));
      if (!ended.isEmpty()) {
        consumer.pause(ended);
      }
    }
    return true;
  }

  /**
   * Commits the batch's offsets: the shared topic's synchronously; per-run topics' without waiting.
   * A per-run topic may be deleted by the janitor as soon as its run's end is logged, which can be
   * between the batch's transaction and this commit; a synchronous commit then retries "unknown
   * topic" for the whole API timeout (60 s), holding every other run's chunks back (seen in
   * PerRunTopicIT under the suite's load). A lost commit of a per-run topic only means a
   * redelivery, which the writer ignores (its chunks are logged).
   */
  private void commit(Map<TopicPartition, OffsetAndMetadata> next) {
    Map<TopicPartition, OffsetAndMetadata> shared = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> perRun = new HashMap<>();
    next.forEach(
        (partition, offset) ->
            (Topics.RUN_TOPIC.matcher(partition.topic()).matches() ? perRun : shared)
                .put(partition, offset));
    if (!perRun.isEmpty()) {
      consumer.commitAsync(
          perRun,
          (offsets, e) -> {
            if (e != null) {
              LOG.debug(
                  "Offsets of per-run topics not committed ({}); a redelivery changes nothing",
                  e.getMessage());
            }
          });
    }
    if (!shared.isEmpty()) {
      consumer.commitSync(shared);
    }
  }

  /**
   * How far the chunk log trails the worker: the batch's oldest chunk, from its emission to its
   * commit.
   */
  private void recordDelay(List<ChunkBatchWriter.Located> batch) {
    long oldest = Long.MAX_VALUE;
    for (ChunkBatchWriter.Located located : batch) {
      oldest = Math.min(oldest, located.chunk().ts().toEpochMilli());
    }
    if (oldest != Long.MAX_VALUE) {
      persistDelay.record(Math.max(0, System.currentTimeMillis() - oldest), TimeUnit.MILLISECONDS);
    }
  }

  /** Seeks back to the batch's first record in every partition this sink still owns. */
  private void rewind(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition partition : records.partitions()) {
      if (consumer.assignment().contains(partition)) {
        consumer.seek(partition, records.records(partition).getFirst().offset());
      }
    }
  }

  /** Whatever else goes wrong with a batch, it is rewound, never skipped. */
  private boolean persistOrRewind(ConsumerRecords<byte[], byte[]> records)
      throws InterruptedException {
    try {
      return persist(records);
    } catch (WakeupException e) {
      throw e;
    } catch (RebalanceInProgressException e) {
      // Written, but the commit met a rebalance (in the per-run-topic layout, every new run's topic
      // brings one):
      // the records are read again and applied once more, which changes nothing.
      LOG.debug("Offset commit met a rebalance; the batch is read again");
      rewind(records);
      return true;
    } catch (RuntimeException e) {
      LOG.error("Batch failed unexpectedly; rewinding to retry it", e);
      rewind(records);
      return false;
    }
  }

  private RunChunk decode(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
    try {
      return EventJson.readChunk(record.value() == null ? new byte[0] : record.value());
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "Poison chunk at {}-{}@{}: {}; set aside to {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage(),
          Topics.RUN_CHUNKS_DLT.name());
      deadLetter(DeadLetters.of(Topics.RUN_CHUNKS_DLT.name(), record, e));
      return null;
    }
  }

  /**
   * Sends a record to the dead-letter topic once, even when its batch is retried; remembered by its
   * original topic, partition and offset (in the per-run-topic layout every topic has a partition
   * 0).
   */
  private void deadLetter(ProducerRecord<byte[], byte[]> letter) throws InterruptedException {
    String origin =
        header(letter, DeadLetters.ORIGINAL_TOPIC)
            + "-"
            + ByteBuffer.wrap(letter.headers().lastHeader(DeadLetters.ORIGINAL_PARTITION).value())
                .getInt()
            + "@"
            + ByteBuffer.wrap(letter.headers().lastHeader(DeadLetters.ORIGINAL_OFFSET).value())
                .getLong();
    if (!deadLettered.add(origin)) {
      return;
    }
    try {
      deadLetters.send(letter).get();
      deadLetterCount.increment();
    } catch (ExecutionException sendFailed) {
      deadLettered.remove(origin);
      throw new IllegalStateException("cannot set the record aside", sendFailed.getCause());
    }
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Override
  protected void afterStop() {
    deadLetters.close(Duration.ofSeconds(5));
  }
}
