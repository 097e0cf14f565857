package io.runstream.sink;

import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.UsageLedger;
import io.runstream.core.time.Timestamps;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes one batch of chunks in one transaction: the chunk log first, then the effects of the
 * chunks that were new (text appended to the agent message, run start and end, usage), so that a
 * redelivered batch changes nothing.
 */
@Component
public class ChunkBatchWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkBatchWriter.class);

  private final ChunkLogStore log;
  private final RunStore runs;
  private final MessageStore messages;
  private final UsageLedger usage;
  private final TransactionTemplate tx;
  private final AtomicLong unknownRuns = new AtomicLong();
  private final AtomicLong lastUnknownWarning = new AtomicLong(System.nanoTime() - 60_000_000_000L);

  public ChunkBatchWriter(
      ChunkLogStore log,
      RunStore runs,
      MessageStore messages,
      UsageLedger usage,
      TransactionTemplate tx) {
    this.log = log;
    this.runs = runs;
    this.messages = messages;
    this.usage = usage;
    this.tx = tx;
  }

  /**
   * A chunk with where it was read from.
   *
   * @param chunk the chunk
   * @param topic its topic
   * @param partition its partition
   * @param offset its offset
   */
  public record Located(RunChunk chunk, String topic, int partition, long offset) {}

  private static final class RunEffects {
    final StringBuilder text = new StringBuilder();
    ChunkData.Usage usage;
    ChunkData.Error error;
    RunChunk finished;
    Located started;
  }

  /** Writes the batch; returns how many chunks were new. */
  public int write(List<Located> batch) {
    Integer written = tx.execute(status -> writeInTransaction(batch));
    return written == null ? 0 : written;
  }

  private int writeInTransaction(List<Located> batch) {
    // The batch's runs in one query. Whatever comes for a run whose output is over (ended, and its
    // last chunk logged:
    // RunStore.ended) is late output (a lost worker's): discarded.
    Set<UUID> ids = batch.stream().map(l -> l.chunk().runId()).collect(Collectors.toSet());
    Map<UUID, RunRow> rows = runs.findAll(ids);
    Set<UUID> ended = runs.ended(ids);
    List<RunChunk> accepted =
        batch.stream().map(Located::chunk).filter(c -> !ended.contains(c.runId())).toList();
    Set<ChunkLogStore.Key> inserted = log.insertNew(accepted);
    if (inserted.isEmpty()) {
      return 0;
    }
    Map<UUID, RunEffects> effects = new LinkedHashMap<>();
    for (Located located : batch) {
      RunChunk chunk = located.chunk();
      if (!inserted.contains(new ChunkLogStore.Key(chunk.runId(), chunk.seq()))) {
        continue;
      }
      RunEffects run = effects.computeIfAbsent(chunk.runId(), id -> new RunEffects());
      switch (chunk.data()) {
        case ChunkData.RunStarted d -> run.started = located;
        case ChunkData.TextDelta d -> run.text.append(d.delta());
        case ChunkData.Usage d -> run.usage = d;
        case ChunkData.Error d -> run.error = d;
        case ChunkData.RunFinished d -> run.finished = chunk;
        default -> {}
      }
    }
    Instant now = Timestamps.now();
    // The text of every run's agent message in one statement; the rarer effects (start, usage,
    // error, end) run by run.
    Map<UUID, String> texts = new LinkedHashMap<>();
    for (Map.Entry<UUID, RunEffects> entry : effects.entrySet()) {
      RunRow run = rows.get(entry.getKey());
      if (run != null && !entry.getValue().text.isEmpty()) {
        texts.put(run.agentMessageId(), entry.getValue().text.toString());
      }
    }
    messages.appendTexts(texts, now);
    for (Map.Entry<UUID, RunEffects> entry : effects.entrySet()) {
      apply(entry.getKey(), Optional.ofNullable(rows.get(entry.getKey())), entry.getValue(), now);
    }
    return inserted.size();
  }

  private void apply(UUID runId, Optional<RunRow> found, RunEffects effects, Instant now) {
    if (found.isEmpty()) {
      unknownRuns.incrementAndGet();
      long nanos = System.nanoTime();
      long last = lastUnknownWarning.get();
      // Once a minute at most: a producer outside Runstream writing thousands of runs would flood
      // the log.
      if (nanos - last >= 60_000_000_000L && lastUnknownWarning.compareAndSet(last, nanos)) {
        LOG.warn(
            "Chunks of {} run(s) without a run row logged without effects (the latest: {})",
            unknownRuns.getAndSet(0),
            runId);
      }
      return;
    }
    RunRow run = found.get();
    if (effects.started != null) {
      runs.recordChunkStart(
          runId, effects.started.topic(), effects.started.partition(), effects.started.offset());
    }
    if (effects.usage != null) {
      long input = effects.usage.inputTokens();
      long output = effects.usage.outputTokens();
      usage.record(runId, run.orgId(), run.userId(), effects.usage.model(), input, output);
      runs.recordUsage(runId, input, output);
      messages.recordUsage(run.agentMessageId(), input, output);
    }
    if (effects.error != null) {
      runs.recordError(
          runId, EventJson.MAPPER.writeValueAsString(EventJson.dataTree(effects.error)));
    }
    if (effects.finished != null) {
      ChunkData.RunFinished finished = (ChunkData.RunFinished) effects.finished.data();
      RunStatus status = RunStatus.of(finished.status());
      runs.finish(
          runId,
          status,
          effects.finished.seq(),
          finished.finishReason(),
          null,
          null,
          null,
          effects.finished.ts());
      messages.finish(run.agentMessageId(), status.wire(), null, null, now);
    }
  }
}
