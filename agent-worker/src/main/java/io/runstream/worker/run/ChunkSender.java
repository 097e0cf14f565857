package io.runstream.worker.run;

import io.runstream.schemas.RunChunk;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Where a run's chunks go: the chunk topic in production. */
public interface ChunkSender {
  /** Sends a chunk; the callback learns how it went. */
  Future<RecordMetadata> send(String topic, RunChunk chunk, Callback callback);

  /** Prepares to send to a topic (its metadata), so that the first chunk does not wait. */
  default void warmUp(String topic) {}
}
