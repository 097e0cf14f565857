package io.runstream.sink.usage;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.Topics;
import io.runstream.schemas.UsageRollup;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;

/**
 * The roll-ups' topology: chunks (keyed by run) → one summary per ended run ({@link
 * RunTallyProcessor}) → repartitioned by organisation, user and model → 1-minute and 1-hour
 * windowed totals → topic {@code runstream.usage-rollups}. Every store is in memory with a
 * changelog topic (restored on restart); under {@code exactly_once_v2} a restart neither loses nor
 * repeats a run.
 */
public final class UsageTopology {
  private static final Serde<RunSummary> SUMMARY = EventJson.serde(RunSummary.class);
  private static final Serde<RunTally> TALLY = EventJson.serde(RunTally.class);
  private static final Serde<Rollup> ROLLUP = EventJson.serde(Rollup.class);

  private UsageTopology() {}

  /**
   * Builds the topology.
   *
   * @param perRunTopics read every per-run chunk topic too (the per-run-topic layout)
   * @param grace how late (by chunk time) a run may still count in its window
   * @param dedupeWindow how long a finished run is remembered
   */
  public static Topology build(boolean perRunTopics, Duration grace, Duration dedupeWindow) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(RunTallyProcessor.TALLIES), Serdes.UUID(), TALLY)
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(RunTallyProcessor.FINISHED),
                Serdes.UUID(),
                Serdes.Long())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(RunTallyProcessor.FINISHED_BY_TIME),
                Serdes.String(),
                Serdes.UUID())
            .withCachingEnabled());

    Consumed<UUID, byte[]> consumed =
        Consumed.with(Serdes.UUID(), Serdes.ByteArray()).withName("chunks");
    KStream<UUID, byte[]> chunks =
        perRunTopics
            ? builder.stream(Pattern.compile(Topics.ANY_CHUNK_TOPIC.pattern()), consumed)
            : builder.stream(Topics.RUN_CHUNKS.name(), consumed);
    KGroupedStream<String, RunSummary> runs =
        chunks
            .process(
                () -> new RunTallyProcessor(dedupeWindow),
                Named.as("ended-runs"),
                RunTallyProcessor.TALLIES,
                RunTallyProcessor.FINISHED,
                RunTallyProcessor.FINISHED_BY_TIME)
            .groupByKey(Grouped.with("usage-runs", Serdes.String(), SUMMARY));
    window(runs, "minute", Duration.ofMinutes(1), grace);
    window(runs, "hour", Duration.ofHours(1), grace);
    return builder.build();
  }

  private static void window(
      KGroupedStream<String, RunSummary> runs, String granularity, Duration size, Duration grace) {
    String store = "usage-" + granularity;
    runs.windowedBy(TimeWindows.ofSizeAndGrace(size, grace))
        .aggregate(
            Rollup::empty,
            (group, run, total) -> total.add(run),
            Named.as(store + "-totals"),
            Materialized.<String, Rollup>as(
                    Stores.inMemoryWindowStore(store, size.plus(grace), size, false))
                .withKeySerde(Serdes.String())
                .withValueSerde(ROLLUP)
                .withCachingEnabled())
        .toStream(Named.as(store + "-updates"))
        .map(
            (window, total) -> {
              UsageRollup record =
                  total.toRecord(
                      granularity,
                      window.window().startTime(),
                      window.window().endTime(),
                      window.key());
              return KeyValue.pair(record.key(), record);
            },
            Named.as(store + "-records"))
        .to(
            Topics.USAGE_ROLLUPS.name(),
            Produced.with(Topics.USAGE_ROLLUPS.key(), Topics.USAGE_ROLLUPS.value())
                .withName(store + "-out"));
  }
}
