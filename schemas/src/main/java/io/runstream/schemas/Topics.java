package io.runstream.schemas;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;

/** The immutable topic catalogue: nobody spells a topic name twice. */
public final class Topics {

  /**
   * Largest record any Runstream topic accepts ({@code max.message.bytes}) and producers send
   * ({@code max.request.size}): a run request carries up to a 1 MiB body plus its envelope.
   */
  public static final int MAX_RECORD_BYTES = 2 * 1024 * 1024;

  /** Run requests published by the ingest API once the run row exists; key: session id. */
  public static final Topic<UUID, RunRequested> RUN_REQUESTS =
      new Topic<>("runstream.run-requests", Serdes.UUID(), EventJson.serde(RunRequested.class));

  /** Every run's chunks, each run its own ordered stream; key: run id. */
  public static final Topic<UUID, RunChunk> RUN_CHUNKS =
      new Topic<>("runstream.run-chunks", Serdes.UUID(), EventJson.chunkSerde());

  /**
   * Control messages to the worker holding a run (stop); every worker reads every partition. Key:
   * run id.
   */
  public static final Topic<UUID, RunControl> RUN_CONTROL =
      new Topic<>("runstream.run-control", Serdes.UUID(), EventJson.serde(RunControl.class));

  /**
   * Usage per organisation, user and model in 1-minute and 1-hour windows, written by the usage
   * roll-ups (Kafka Streams, exactly once); compacted, key: {@link UsageRollup#key()}.
   */
  public static final Topic<String, UsageRollup> USAGE_ROLLUPS =
      new Topic<>("runstream.usage-rollups", Serdes.String(), EventJson.serde(UsageRollup.class));

  /**
   * Chunk records that no consumer could read (permanent failures), raw bytes as received; key: run
   * id if any.
   */
  public static final Topic<byte[], byte[]> RUN_CHUNKS_DLT =
      new Topic<>("runstream.run-chunks-dlt", Serdes.ByteArray(), Serdes.ByteArray());

  /** Run requests that no worker could read, raw bytes as received. */
  public static final Topic<byte[], byte[]> RUN_REQUESTS_DLT =
      new Topic<>("runstream.run-requests-dlt", Serdes.ByteArray(), Serdes.ByteArray());

  /**
   * Prefix of the per-run chunk topics of the {@code per-run-topic} layout: {@code
   * runstream.run.<run id>}, one partition each, key: run id, same records as {@link #RUN_CHUNKS}.
   */
  public static final String RUN_TOPIC_PREFIX = "runstream.run.";

  /** The name of every per-run chunk topic, and nothing else. */
  public static final Pattern RUN_TOPIC =
      Pattern.compile(
          Pattern.quote(RUN_TOPIC_PREFIX)
              + "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Every chunk topic of either layout: the shared one and the per-run ones. */
  public static final Pattern ANY_CHUNK_TOPIC =
      Pattern.compile(Pattern.quote(RUN_CHUNKS.name()) + "|" + RUN_TOPIC.pattern());

  private Topics() {}

  /** The per-run chunk topic of a run. */
  public static String runTopic(UUID runId) {
    return RUN_TOPIC_PREFIX + runId;
  }

  /** The run whose per-run topic this is, if it is one. */
  public static Optional<UUID> runOfTopic(String topic) {
    return topic != null && RUN_TOPIC.matcher(topic).matches()
        ? Optional.of(UUID.fromString(topic.substring(RUN_TOPIC_PREFIX.length())))
        : Optional.empty();
  }

  /**
   * The topic a run's chunks go to, from what its request or row records ({@code null}: the shared
   * topic).
   */
  public static String chunkTopicOf(String recorded) {
    return recorded == null ? RUN_CHUNKS.name() : recorded;
  }

  /** True for the shared chunk topic and for per-run chunk topics. */
  public static boolean isChunkTopic(String topic) {
    return topic != null && ANY_CHUNK_TOPIC.matcher(topic).matches();
  }

  /** The topic-level settings a topic needs beyond the defaults (the roll-ups are compacted). */
  public static Map<String, String> configsOf(Topic<?, ?> topic) {
    return topic == USAGE_ROLLUPS ? Map.of("cleanup.policy", "compact") : Map.of();
  }

  /** Every topic of the catalogue, for creation at start-up. */
  public static List<Topic<?, ?>> all() {
    return List.of(
        RUN_REQUESTS, RUN_CHUNKS, RUN_CONTROL, RUN_CHUNKS_DLT, RUN_REQUESTS_DLT, USAGE_ROLLUPS);
  }
}
