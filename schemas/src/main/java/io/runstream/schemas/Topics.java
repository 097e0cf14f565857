package io.runstream.schemas;

import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;

/** The immutable topic catalogue: nobody spells a topic name twice. */
public final class Topics {

  /** Run requests published by the ingest API once the run row exists; key: session id. */
  public static final Topic<UUID, RunRequested> RUN_REQUESTS =
      new Topic<>("runstream.run-requests", Serdes.UUID(), EventJson.serde(RunRequested.class));

  /** Every run's chunks, each run its own ordered stream; key: run id. */
  public static final Topic<UUID, RunChunk> RUN_CHUNKS =
      new Topic<>("runstream.run-chunks", Serdes.UUID(), EventJson.chunkSerde());

  /** Control messages to the worker holding a run (stop); every worker reads every partition. Key: run id. */
  public static final Topic<UUID, RunControl> RUN_CONTROL =
      new Topic<>("runstream.run-control", Serdes.UUID(), EventJson.serde(RunControl.class));

  /** Chunk records that no consumer could read (permanent failures), raw bytes as received; key: run id if any. */
  public static final Topic<byte[], byte[]> RUN_CHUNKS_DLT =
      new Topic<>("runstream.run-chunks-dlt", Serdes.ByteArray(), Serdes.ByteArray());

  /** Run requests that no worker could read, raw bytes as received. */
  public static final Topic<byte[], byte[]> RUN_REQUESTS_DLT =
      new Topic<>("runstream.run-requests-dlt", Serdes.ByteArray(), Serdes.ByteArray());

  private Topics() {}

  /** Every topic of the catalogue, for creation at start-up. */
  public static List<Topic<?, ?>> all() {
    return List.of(RUN_REQUESTS, RUN_CHUNKS, RUN_CONTROL, RUN_CHUNKS_DLT, RUN_REQUESTS_DLT);
  }
}
