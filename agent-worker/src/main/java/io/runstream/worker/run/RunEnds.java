package io.runstream.worker.run;

import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.UsageLedger;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores a run's end in PostgreSQL before its last chunk is produced (docs/faces/canonical.md,
 * "read your own end"): the run's status, finish reason, error, usage, last event id and {@code
 * finished_at}, the agent message's status, whole text and usage, and the usage ledger's row, in
 * one transaction. A reader that has received the run's last event can only have done so after this
 * committed, so {@code GET /api/v1/runs/{id}} and the session's messages answer the end on every
 * node, whichever node served the stream, and the session takes its next message at once.
 *
 * <p>Why the worker and not the sink or the fan-out: the sink stores the same end from the chunk
 * (its writes are conditional on a live run, so they then change nothing), but only after the chunk
 * has reached readers (about 100 ms later); the fan-out knows the end first only on the node that
 * served the stream. The worker is the one place that knows the end before anyone else can.
 *
 * <p>The store is waited for at most {@value #WAIT_MS} ms: a database that is down or slow does not
 * hold the run's end back from its readers; the chunk goes out, and the sink stores the end from it
 * once it can, as it always did (then, and only then, the status may lag the stream). A write that
 * completes later changes nothing either way.
 */
@Component
public class RunEnds implements DisposableBean {
  private static final Logger LOG = LoggerFactory.getLogger(RunEnds.class);
  private static final long WAIT_MS = 2_000;

  private final RunStore runs;
  private final MessageStore messages;
  private final UsageLedger ledger;
  private final TransactionTemplate tx;
  private final ExecutorService writers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("run-end-", 0).factory());

  public RunEnds(RunStore runs, MessageStore messages, UsageLedger ledger, TransactionTemplate tx) {
    this.runs = runs;
    this.messages = messages;
    this.ledger = ledger;
    this.tx = tx;
  }

  /**
   * Stores the end (waiting {@value #WAIT_MS} ms at most); a failure is logged, never thrown: the
   * run ends anyway.
   */
  void record(ChunkEmitter.End end) {
    try {
      CompletableFuture.runAsync(() -> tx.executeWithoutResult(status -> write(end)), writers)
          .get(WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn(
          "Run {}: its end was not stored within {} ms; the sink stores it from the chunk",
          end.request().runId(),
          WAIT_MS);
    } catch (ExecutionException e) {
      LOG.warn(
          "Run {}: its end could not be stored ({}); the sink stores it from the chunk",
          end.request().runId(),
          e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // e.g. the application is closing (no more writers): the run's end goes out all the same.
      LOG.warn(
          "Run {}: its end could not be stored ({}); the sink stores it from the chunk",
          end.request().runId(),
          e.toString());
    }
  }

  private void write(ChunkEmitter.End end) {
    RunRequested request = end.request();
    ChunkData.Usage usage = end.usage();
    Long input = usage == null ? null : usage.inputTokens();
    Long output = usage == null ? null : usage.outputTokens();
    String error =
        end.error() == null
            ? null
            : EventJson.MAPPER.writeValueAsString(EventJson.dataTree(end.error()));
    RunStatus status = RunStatus.of(end.end().status());
    // The sink's order (its lock on the run, then the message, then the run): no deadlock with a
    // batch of this run.
    runs.lockAsTheSinkDoes(request.runId());
    if (!runs.finish(
        request.runId(),
        status,
        end.lastSeq(),
        end.end().finishReason(),
        error,
        input,
        output,
        end.finishedAt())) {
      // Ended already (the lease reaper took a run whose worker it judged lost): that end stands.
      return;
    }
    if (request.agentMessageId() != null) {
      messages.end(
          request.agentMessageId(), status.wire(), end.text(), input, output, end.finishedAt());
    }
    if (usage != null) {
      ledger.record(
          request.runId(),
          request.orgId(),
          request.userId(),
          usage.model(),
          usage.inputTokens(),
          usage.outputTokens());
    }
  }

  @Override
  public void destroy() {
    writers.shutdown();
  }
}
