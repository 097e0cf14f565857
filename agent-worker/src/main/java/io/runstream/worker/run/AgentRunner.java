package io.runstream.worker.run;

import io.runstream.core.model.ModelProviders;
import io.runstream.core.store.MessageRow;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.control.RunStops;
import io.runstream.worker.model.LlmProvider;
import io.runstream.worker.model.ModelFailure;
import io.runstream.worker.model.ProviderRegistry;
import io.runstream.worker.model.Tokenizer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Runs one agent run from its request to its {@code run.finished}, whatever happens in between. */
@Component
public class AgentRunner {
  private static final Logger LOG = LoggerFactory.getLogger(AgentRunner.class);
  private static final long ACK_TIMEOUT_MS = 30_000;
  private static final java.time.Duration TOPIC_TIMEOUT = java.time.Duration.ofSeconds(30);

  private final ChunkSender producer;
  private final MessageStore messages;
  private final RunStore runs;
  private final io.runstream.core.store.SessionStore sessions;
  private final Tokenizer tokenizer;
  private final WorkerProperties properties;
  private final ProviderRegistry providers;
  private final AgentLoop loop;
  private final ModelProviders configured;
  private final io.runstream.core.kafka.RunTopics topics;
  private final io.micrometer.core.instrument.Timer topicReady;
  private final RunMetrics metrics;
  private final RunEnds ends;

  public AgentRunner(
      ChunkSender producer,
      MessageStore messages,
      RunStore runs,
      io.runstream.core.store.SessionStore sessions,
      Tokenizer tokenizer,
      WorkerProperties properties,
      ProviderRegistry providers,
      AgentLoop loop,
      ModelProviders configured,
      io.runstream.core.kafka.RunTopics topics,
      io.micrometer.core.instrument.MeterRegistry meters,
      RunMetrics metrics,
      RunEnds ends) {
    this.ends = ends;
    this.topics = topics;
    this.metrics = metrics;
    this.topicReady =
        io.micrometer.core.instrument.Timer.builder("runstream.worker.run-topic.ready")
            .description("per-run-topic layout: creating a run's topic until the broker hosts it")
            .publishPercentiles(0.5, 0.99)
            .register(meters);
    this.producer = producer;
    this.messages = messages;
    this.runs = runs;
    this.sessions = sessions;
    this.tokenizer = tokenizer;
    this.properties = properties;
    this.providers = providers;
    this.loop = loop;
    this.configured = configured;
  }

  /**
   * Runs the request to its end. {@code stop} ends it early, wherever it waits: a user's stop ends
   * it {@code cancelled}; its deadline ({@code max-run-duration}) ends it {@code failed} with
   * {@code run_timeout}; the worker's shutdown ends it {@code failed} with a retryable error, so
   * that no reader waits for it.
   */
  public void run(RunRequested request, RunStops.Stop stop) {
    // Every log line of the run names it (and its session and organisation), in text and in
    // structured logs.
    try (var runId = org.slf4j.MDC.putCloseable("runId", request.runId().toString());
        var sessionId = org.slf4j.MDC.putCloseable("sessionId", request.sessionId().toString());
        var orgId = org.slf4j.MDC.putCloseable("orgId", request.orgId().toString())) {
      runLogged(request, stop);
    }
  }

  private void runLogged(RunRequested request, RunStops.Stop stop) {
    if (request.chunkTopic() != null && !prepareTopic(request)) {
      return;
    }
    ChunkEmitter emitter = new ChunkEmitter(producer, request);
    Parts parts = new Parts(emitter, request.agentMessageId().toString());
    Stages stages = new Stages(emitter, properties.stageUpdates());
    RunMetrics.Run measured =
        metrics.start(request.model() == null ? null : request.model().provider());
    Spent spent = new Spent();
    try {
      emitter.emit(null, new ChunkData.RunStarted(request.agentMessageId(), request.model()));
      if (stop.requested()) {
        // Stopped (or shut down) before it started: it ends at once.
        finish(emitter, request, RunOutcome.of(stop.ending()), false, spent, measured);
        return;
      }
      emitter.emit(null, new ChunkData.StepStarted(1));
      LlmProvider provider =
          request.model() == null ? null : providers.get(request.model().provider());
      if (provider == null) {
        String name = request.model() == null ? "(none)" : request.model().provider();
        finish(
            emitter,
            request,
            new RunOutcome.Failed(
                new ChunkData.Error(
                    "unknown_model_provider", "No model provider named " + name + ".", false)),
            true,
            spent,
            measured);
        return;
      }
      List<RunRequested.HistoryEntry> history = history(request, stop);
      AgentLoop.Outcome outcome =
          loop.run(
              request,
              provider,
              ProviderRegistry.maxRetries(configured, request.model().provider()),
              history,
              emitter,
              parts,
              stages,
              measured,
              stop,
              spent);
      if (stop.requested()) {
        finish(emitter, request, RunOutcome.of(stop.ending()), outcome.stepOpen(), spent, measured);
      } else {
        finish(
            emitter,
            request,
            new RunOutcome.Completed(outcome.finishReason()),
            outcome.stepOpen(),
            spent,
            measured);
        title(request, provider);
      }
    } catch (Exception | Error e) {
      if (stop.requested() && !(e instanceof VirtualMachineError)) {
        // A failure while the run was being ended (what it waited on was cut): it ends as its stop
        // says.
        LOG.info(
            "Run {} ended ({}) while failing: {}",
            request.runId(),
            stop.ending().kind(),
            e.toString());
        Thread.interrupted();
        try {
          parts.close();
          finish(emitter, request, RunOutcome.of(stop.ending()), true, spent, measured);
        } catch (RuntimeException again) {
          LOG.error("Run {} could not record its end", request.runId(), again);
        }
        return;
      }
      // Whatever happens, the run ends: a reader never waits for a run whose thread died (an Error
      // included).
      ChunkData.Error error =
          e instanceof ModelFailure failure
              ? new ChunkData.Error(failure.code(), failure.getMessage(), failure.retryable())
              : new ChunkData.Error(
                  "model_error", "The model failed: " + e.getClass().getSimpleName(), true);
      if (e instanceof ModelFailure failure) {
        measured.providerError(failure.code());
      }
      if (e instanceof ModelFailure) {
        LOG.info("Run {}: the model failed: {} {}", request.runId(), error.code(), error.message());
      } else {
        LOG.warn("Run {} failed", request.runId(), e);
      }
      try {
        parts.close();
        stages.failed();
        finish(emitter, request, new RunOutcome.Failed(error), true, spent, measured);
      } catch (RuntimeException again) {
        LOG.error("Run {} could not record its failure", request.runId(), again);
      }
      if (e instanceof VirtualMachineError fatal) {
        throw fatal;
      }
    } finally {
      try {
        emitter.awaitAcknowledged(ACK_TIMEOUT_MS);
      } catch (Exception e) {
        LOG.error(
            "Run {}: the broker did not take all its chunks; ending it as failed in the store",
            request.runId(),
            e);
        endInStore(request, emitter.lastSeq());
      }
    }
  }

  /**
   * The one way a run ends, whatever its outcome: the outcome's last chunks, then the run's end
   * stored in PostgreSQL ({@link RunEnds}), then {@code run.finished}. A completed run ends {@code
   * usage}, {@code step.finished}, {@code run.finished}; a stopped one {@code step.finished stop},
   * {@code run.aborted}, the {@code usage} spent up to the stop, {@code run.finished cancelled}
   * (API.md §3: abort, data-usage, finish); a failed one the usage spent (if any), its {@code
   * error}, {@code step.finished error}, {@code run.finished failed}.
   */
  private void finish(
      ChunkEmitter emitter,
      RunRequested request,
      RunOutcome outcome,
      boolean stepOpen,
      Spent spent,
      RunMetrics.Run measured) {
    String model = request.model() == null ? null : request.model().modelId();
    String finishReason =
        switch (outcome) {
          case RunOutcome.Completed completed -> {
            usage(emitter, model, spent);
            if (stepOpen) {
              emitter.emit(null, new ChunkData.StepFinished(completed.finishReason()));
            }
            yield completed.finishReason();
          }
          case RunOutcome.Cancelled cancelled -> {
            if (stepOpen) {
              emitter.emit(null, new ChunkData.StepFinished("stop"));
            }
            emitter.emit(null, new ChunkData.RunAborted(cancelled.reason()));
            usage(emitter, model, spent);
            // The chunk keeps the truth ("abort"); each face renders it in its dialect (the
            // canonical one omits it).
            yield "abort";
          }
          case RunOutcome.Failed failed -> {
            if (spent.any()) {
              usage(emitter, model, spent);
            }
            emitter.emit(null, failed.error());
            if (stepOpen) {
              emitter.emit(null, new ChunkData.StepFinished("error"));
            }
            yield "error";
          }
        };
    emitter.emitEnd(new ChunkData.RunFinished(outcome.status(), finishReason), ends::record);
    measured.finished(outcome.status());
  }

  private static void usage(ChunkEmitter emitter, String model, Spent spent) {
    if (model != null) {
      emitter.emit(null, spent.usage(model));
    }
  }

  /**
   * The per-run-topic layout: the run's topic is created and hosted before its first chunk (records
   * produced before the broker hosts the partition can be lost). False, with the run ended in the
   * store, if it cannot be.
   */
  private boolean prepareTopic(RunRequested request) {
    long started = System.nanoTime();
    try {
      topics.ensure(request.chunkTopic(), TOPIC_TIMEOUT);
      producer.warmUp(request.chunkTopic());
      topicReady.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
      return true;
    } catch (RuntimeException e) {
      LOG.error(
          "Run {}: its topic {} could not be created; ending it as failed",
          request.runId(),
          request.chunkTopic(),
          e);
      endInStore(request, request.seqBase() - 1);
      return false;
    }
  }

  /**
   * Ends a run whose end may never reach Kafka: readers see the run's row end and stop waiting, the
   * session takes new messages again.
   */
  private void endInStore(RunRequested request, long lastSeq) {
    try {
      String error =
          "{\"code\":\"chunks_lost\",\"message\":\"the broker did not take the run's output\",\"retryable\":true}";
      runs.finish(
          request.runId(),
          RunStatus.FAILED,
          Math.max(lastSeq, request.seqBase()),
          "error",
          error,
          null,
          null,
          java.time.Instant.now());
      messages.finish(request.agentMessageId(), "failed", null, null, java.time.Instant.now());
    } catch (RuntimeException e) {
      LOG.error(
          "Run {} could not be ended in the store either; its lease will expire",
          request.runId(),
          e);
    }
  }

  /** A blank session title is generated after the first completed reply. */
  private void title(RunRequested request, LlmProvider provider) {
    try {
      if (sessions.titleBlank(request.sessionId())) {
        String title = provider.title(request.model().modelId(), request.input(), null);
        if (title != null && !title.isBlank()) {
          sessions.setTitleIfBlank(request.sessionId(), title.strip());
        }
      }
    } catch (Exception e) {
      LOG.warn("Run {}: no title generated: {}", request.runId(), e.getMessage());
    }
  }

  private static final java.time.Duration HISTORY_RETRY = java.time.Duration.ofSeconds(15);

  private List<RunRequested.HistoryEntry> history(RunRequested request, RunStops.Stop stop) {
    if (request.history() != null) {
      return request.history();
    }
    int limit =
        request.historyLimit() != null ? request.historyLimit() : properties.historyMessages();
    if (request.userMessageId() == null || limit == 0) {
      return List.of();
    }
    // Read before the first model call: under overload the pool may time out; the run waits (up to
    // half a lease,
    // which it keeps renewing) rather than failing.
    return DatabaseRetry.retrying(
            "Run " + request.runId() + " history",
            () -> messages.historyBefore(request.sessionId(), request.userMessageId(), limit),
            stop::requested,
            HISTORY_RETRY,
            stop::sleep)
        .stream()
        .map(AgentRunner::entry)
        .toList();
  }

  private static RunRequested.HistoryEntry entry(MessageRow message) {
    return new RunRequested.HistoryEntry(
        "agent".equals(message.senderRole()) ? "assistant" : "user", message.text());
  }
}
