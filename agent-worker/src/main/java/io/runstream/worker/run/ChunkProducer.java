package io.runstream.worker.run;

import io.runstream.core.kafka.KafkaClients;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.stereotype.Component;

/** The worker's one idempotent producer of chunks, keyed by run id so that each run stays in order. */
@Component
public class ChunkProducer implements ChunkSender {
  private final KafkaProducer<UUID, RunChunk> producer;

  public ChunkProducer(KafkaClients clients) {
    this.producer = clients.producer("worker-chunks", Topics.RUN_CHUNKS, Map.of());
  }

  @Override
  public Future<RecordMetadata> send(RunChunk chunk, Callback callback) {
    return producer.send(new ProducerRecord<>(Topics.RUN_CHUNKS.name(), chunk.runId(), chunk), callback);
  }

  @PreDestroy
  void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
