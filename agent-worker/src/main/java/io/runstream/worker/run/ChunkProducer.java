package io.runstream.worker.run;

import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.tracing.RunTracing;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.stereotype.Component;

/**
 * The worker's one idempotent producer of chunks, keyed by run id so that each run stays in order.
 */
@Component
public class ChunkProducer implements ChunkSender {
  private final KafkaProducer<UUID, RunChunk> producer;

  private final RunTracing tracing;

  public ChunkProducer(KafkaClients clients, ChunkLayout layout, RunTracing tracing) {
    this.tracing = tracing;
    // Per-run topics: a finished run's topic leaves the producer's metadata after 10 s instead of 5
    // minutes, so
    // that metadata requests do not grow with every run of the last minutes (nor ask for deleted
    // topics).
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("linger.ms", (int) clients.properties().chunkLinger().toMillis());
    if (layout.perRunTopics()) {
      overrides.put("metadata.max.idle.ms", 10_000);
    }
    this.producer = clients.producer("worker-chunks", Topics.RUN_CHUNKS, overrides);
  }

  @Override
  public Future<RecordMetadata> send(String topic, RunChunk chunk, Callback callback) {
    ProducerRecord<UUID, RunChunk> record = new ProducerRecord<>(topic, chunk.runId(), chunk);
    if (chunk.data() instanceof ChunkData.RunStarted
        || chunk.terminal()
        || chunk.data() instanceof ChunkData.Error) {
      // The run's trace on its first, error and last chunks (not on every token: a traceparent is
      // ~70 bytes a record)
      tracing.inject(record.headers());
    }
    return producer.send(record, callback);
  }

  /** Fetches the topic's metadata now, so that the run's first chunk does not wait for it. */
  @Override
  public void warmUp(String topic) {
    producer.partitionsFor(topic);
  }

  @PreDestroy
  void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
