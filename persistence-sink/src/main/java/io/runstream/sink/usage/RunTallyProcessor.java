package io.runstream.sink.usage;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Follows each run through its chunks (one partition keeps a run in order) and forwards one {@link
 * RunSummary} when it ends. A run counts once: a chunk after its {@code run.finished}, or a second
 * {@code run.finished}, within {@code dedupe-window} changes nothing; usage chunks are cumulative,
 * so a repeated one changes nothing either. Text deltas after a run's first are skipped after
 * reading their type, without decoding the rest.
 */
final class RunTallyProcessor implements Processor<UUID, byte[], String, RunSummary> {
  static final String TALLIES = "usage-run-tallies";
  static final String FINISHED = "usage-finished-runs";
  static final String FINISHED_BY_TIME = "usage-finished-by-time";
  private static final Logger LOG = LoggerFactory.getLogger(RunTallyProcessor.class);
  private static final Duration ABANDONED = Duration.ofHours(24);

  private final Duration dedupeWindow;
  private ProcessorContext<String, RunSummary> context;
  private KeyValueStore<UUID, RunTally> tallies;
  private KeyValueStore<UUID, Long> finished;
  private KeyValueStore<String, UUID> finishedByTime;
  private long lastAbandonedSweep;

  /**
   * Runs of this task whose first delta is already in their tally: their later deltas (all but one
   * of a run's records, nearly) are skipped here, before any store lookup (which decodes the tally)
   * or JSON parsing. Held in memory only: after a restart it is empty and the stores answer as
   * before. Bounded: emptied past {@value #MAX_FIRST_TOKEN_SEEN} (runs that never end).
   */
  private final Set<UUID> firstTokenSeen = new HashSet<>();

  private static final int MAX_FIRST_TOKEN_SEEN = 200_000;

  RunTallyProcessor(Duration dedupeWindow) {
    this.dedupeWindow = dedupeWindow;
  }

  @Override
  public void init(ProcessorContext<String, RunSummary> context) {
    this.context = context;
    this.tallies = context.getStateStore(TALLIES);
    this.finished = context.getStateStore(FINISHED);
    this.finishedByTime = context.getStateStore(FINISHED_BY_TIME);
    context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, this::forget);
  }

  @Override
  public void process(Record<UUID, byte[]> record) {
    UUID runId = record.key();
    byte[] value = record.value();
    if (runId == null || value == null) {
      return;
    }
    String type = fastTypeOf(value);
    boolean delta =
        ChunkData.TextDelta.TYPE.equals(type) || ChunkData.ReasoningDelta.TYPE.equals(type);
    if (delta && firstTokenSeen.contains(runId)) {
      return;
    }
    if (type == null || finished.get(runId) != null) {
      return;
    }
    boolean counted =
        delta
            || ChunkData.RunStarted.TYPE.equals(type)
            || ChunkData.Usage.TYPE.equals(type)
            || ChunkData.RunFinished.TYPE.equals(type);
    if (!counted) {
      return;
    }
    RunTally tally = tallies.get(runId);
    if (delta && tally != null && tally.firstTokenAt() != null) {
      return;
    }
    RunChunk chunk;
    try {
      chunk = EventJson.readChunk(value);
    } catch (IllegalArgumentException e) {
      // The sink sets poison records aside; here they count for nothing.
      LOG.debug("Usage roll-ups: unreadable chunk of run {}: {}", runId, e.getMessage());
      return;
    }
    long ts = chunk.ts().toEpochMilli();
    RunTally next = tally == null ? RunTally.first(context.currentSystemTimeMs()) : tally;
    switch (chunk.data()) {
      case ChunkData.RunStarted started ->
          next =
              next.attributed(
                      started.orgId(),
                      started.userId(),
                      started.model() == null ? null : started.model().modelId())
                  .started(ts);
      case ChunkData.TextDelta ignored -> next = next.firstToken(ts);
      case ChunkData.ReasoningDelta ignored -> next = next.firstToken(ts);
      case ChunkData.Usage usage ->
          next =
              next.usage(usage.inputTokens(), usage.outputTokens())
                  .attributed(null, null, usage.model());
      case ChunkData.RunFinished end -> {
        next =
            next.attributed(
                end.orgId(), end.userId(), end.model() == null ? null : end.model().modelId());
        end(runId, next, end.status(), ts);
        return;
      }
      default -> {
        return;
      }
    }
    tallies.put(runId, next);
    if (next.firstTokenAt() != null) {
      if (firstTokenSeen.size() >= MAX_FIRST_TOKEN_SEEN) {
        firstTokenSeen.clear();
      }
      firstTokenSeen.add(runId);
    }
  }

  private void end(UUID runId, RunTally tally, String status, long ts) {
    tallies.delete(runId);
    firstTokenSeen.remove(runId);
    long now = context.currentSystemTimeMs();
    finished.put(runId, now);
    finishedByTime.put(timeKey(now, runId), runId);
    if (tally.orgId() == null) {
      LOG.debug(
          "Usage roll-ups: run {} ended without an organisation (a record from before attribution)",
          runId);
      return;
    }
    Long started = tally.startedAt();
    RunSummary summary =
        new RunSummary(
            tally.orgId(),
            tally.userId(),
            tally.model() == null ? "unknown" : tally.model(),
            status,
            tally.inputTokens(),
            tally.outputTokens(),
            started == null || tally.firstTokenAt() == null
                ? null
                : Math.max(0, tally.firstTokenAt() - started),
            started == null ? null : Math.max(0, ts - started),
            ts);
    context.forward(new Record<>(summary.groupKey(), summary, ts));
  }

  /**
   * Forgets finished runs past the dedupe window and, once an hour, tallies of runs that never
   * ended.
   */
  private void forget(long now) {
    List<KeyValue<String, UUID>> expired = new ArrayList<>();
    try (KeyValueIterator<String, UUID> it =
        finishedByTime.range(timeKey(0, null), timeKey(now - dedupeWindow.toMillis(), null))) {
      while (it.hasNext()) {
        expired.add(it.next());
      }
    }
    for (KeyValue<String, UUID> entry : expired) {
      finishedByTime.delete(entry.key);
      finished.delete(entry.value);
    }
    if (now - lastAbandonedSweep >= Duration.ofHours(1).toMillis()) {
      lastAbandonedSweep = now;
      List<UUID> abandoned = new ArrayList<>();
      try (KeyValueIterator<UUID, RunTally> it = tallies.all()) {
        while (it.hasNext()) {
          KeyValue<UUID, RunTally> entry = it.next();
          if (now - entry.value.firstSeenAt() > ABANDONED.toMillis()) {
            abandoned.add(entry.key);
          }
        }
      }
      abandoned.forEach(tallies::delete);
    }
  }

  /** A key that orders by time: 13 digits of epoch milliseconds, then the run. */
  private static String timeKey(long millis, UUID runId) {
    return String.format("%013d/%s", Math.max(0, millis), runId == null ? "" : runId.toString());
  }

  private static final byte[] TYPE_NAME = "\"type\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA_NAME = "\"data\":".getBytes(StandardCharsets.US_ASCII);

  /**
   * The chunk's {@code type} without a JSON parser when the record has its top-level {@code
   * "type":"..."} before its {@code "data"} (as every chunk writer lays it out): a quote inside a
   * JSON string is always escaped, so an unescaped {@code "type":"} is a property name, and before
   * {@code "data"} only top-level scalars come. Anything else (another layout, an escape in the
   * value) goes to {@link #typeOf}.
   */
  static String fastTypeOf(byte[] value) {
    int type = indexOf(value, TYPE_NAME, 0);
    int data = indexOf(value, DATA_NAME, 0);
    if (type < 0 || (data >= 0 && data < type)) {
      return typeOf(value);
    }
    int from = type + TYPE_NAME.length;
    for (int i = from; i < value.length && i - from <= 64; i++) {
      byte b = value[i];
      if (b == '"') {
        return new String(value, from, i - from, StandardCharsets.US_ASCII);
      }
      if (b == '\\' || b < 0x20 || b < 0) {
        break;
      }
    }
    return typeOf(value);
  }

  private static int indexOf(byte[] bytes, byte[] needle, int from) {
    outer:
    for (int i = from; i <= bytes.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * The chunk's {@code type}, read without decoding the rest; null if it is not a JSON object with
   * one.
   */
  static String typeOf(byte[] value) {
    try (JsonParser parser = EventJson.MAPPER.createParser(value)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String name;
      while ((name = parser.nextName()) != null) {
        JsonToken token = parser.nextToken();
        if (name.equals("type")) {
          return token == JsonToken.VALUE_STRING ? parser.getString() : null;
        }
        parser.skipChildren();
      }
      return null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
