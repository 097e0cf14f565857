package io.runstream.worker.run;

import io.runstream.schemas.RunChunk;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Where a run's chunks go: the chunk topic in production. */
public interface ChunkSender {
  /** Sends a chunk; the callback learns how it went. */
  Future<RecordMetadata> send(RunChunk chunk, Callback callback);
}
