package io.runstream.worker.run;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runstream.core.kafka.RunTopics;
import io.runstream.core.model.ModelProviders;
import io.runstream.core.store.MessageRow;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
import io.runstream.core.store.ToolApprovalStore;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.approval.ParkedRuns;
import io.runstream.worker.control.RunStops;
import io.runstream.worker.model.LlmProvider;
import io.runstream.worker.model.ModelFailure;
import io.runstream.worker.model.ProviderRegistry;
import io.runstream.worker.model.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/** Runs one agent run from its request to its {@code run.finished}, whatever happens in between. */
@Component
public class AgentRunner {
  private static final Logger LOG = LoggerFactory.getLogger(AgentRunner.class);
  private static final long ACK_TIMEOUT_MS = 30_000;
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);

  private final ChunkSender producer;
  private final MessageStore messages;
  private final RunStore runs;
  private final SessionStore sessions;
  private final Tokenizer tokenizer;
  private final WorkerProperties properties;
  private final ProviderRegistry providers;
  private final AgentLoop loop;
  private final ModelProviders configured;
  private final RunTopics topics;
  private final Timer topicReady;
  private final RunMetrics metrics;
  private final RunEnds ends;
  private final ToolApprovalStore approvals;
  private final ParkedRuns parkedRuns;

  public AgentRunner(
      ChunkSender producer,
      MessageStore messages,
      RunStore runs,
      SessionStore sessions,
      Tokenizer tokenizer,
      WorkerProperties properties,
      ProviderRegistry providers,
      AgentLoop loop,
      ModelProviders configured,
      RunTopics topics,
      MeterRegistry meters,
      RunMetrics metrics,
      RunEnds ends,
      ToolApprovalStore approvals,
      ParkedRuns parkedRuns) {
    this.approvals = approvals;
    this.parkedRuns = parkedRuns;
    this.ends = ends;
    this.topics = topics;
    this.metrics = metrics;
    this.topicReady =
        Timer.builder("runstream.worker.run-topic.ready")
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
    run(request, stop, null, null);
  }

  /**
   * Runs the request, or goes on with it when it was parked ({@code resumed}: claimed from its
   * parking, issue #27 item 4), as the worker {@code workerId} (which parks it if its tool calls
   * wait for approvals).
   */
  public void run(
      RunRequested request,
      RunStops.Stop stop,
      String workerId,
      ToolApprovalStore.Resumed resumed) {
    // Every log line of the run names it (and its session and organisation), in text and in
    // structured logs.
    try (var runId = MDC.putCloseable("runId", request.runId().toString());
        var sessionId = MDC.putCloseable("sessionId", request.sessionId().toString());
        var orgId = MDC.putCloseable("orgId", request.orgId().toString())) {
      runLogged(request, stop, workerId, resumed);
    }
  }

  private void runLogged(
      RunRequested request,
      RunStops.Stop stop,
      String workerId,
      ToolApprovalStore.Resumed resumed) {
    if (request.chunkTopic() != null && !prepareTopic(request)) {
      return;
    }
    Continuation parked = resumed == null ? null : Continuation.read(resumed.continuationJson());
    ChunkEmitter emitter =
        parked == null
            ? new ChunkEmitter(producer, request)
            : new ChunkEmitter(producer, request, parked.nextSeq(), parked.messageText());
    Parts parts = new Parts(emitter, request.agentMessageId().toString());
    Stages stages = new Stages(emitter, properties.stageUpdates());
    RunMetrics.Run measured =
        metrics.start(request.model() == null ? null : request.model().provider());
    Spent spent = new Spent();
    if (parked != null) {
      spent.add(parked.inputTokens(), parked.outputTokens());
      measured.resumed();
    }
    try {
      if (parked == null) {
        emitter.emit(null, new ChunkData.RunStarted(request.agentMessageId(), request.model()));
        if (stop.requested()) {
          // Stopped (or shut down) before it started: it ends at once.
          finish(emitter, request, RunOutcome.of(stop.ending()), false, spent, measured);
          return;
        }
        emitter.emit(null, new ChunkData.StepStarted(1));
      }
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
      int maxRetries = ProviderRegistry.maxRetries(configured, request.model().provider());
      AgentLoop.Sinks sinks = new AgentLoop.Sinks(emitter, parts, stages, measured, stop, spent);
      AgentLoop.Outcome outcome =
          parked == null
              ? loop.run(request, provider, maxRetries, history(request, stop), sinks)
              : loop.resume(request, provider, maxRetries, parked, resumed.decisions(), sinks);
      if (outcome.parked() != null) {
        park(request, workerId, emitter, spent, outcome.parked());
        return;
      }
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
   * (docs/faces/canonical.md: abort, data-usage, finish); a failed one the usage spent (if any),
   * its {@code error}, {@code step.finished error}, {@code run.finished failed}.
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

  /**
   * Parks the run (issue #27 item 4) once the broker has every chunk it streamed (its approval
   * requests included): its request and continuation go to PostgreSQL, no worker holds it any more,
   * and this thread is free. If its approvals were all answered meanwhile (or it was stopped), its
   * request is published at once and a worker goes on with it.
   */
  private void park(
      RunRequested request, String workerId, ChunkEmitter emitter, Spent spent, Continuation parked)
      throws Exception {
    emitter.awaitAcknowledged(ACK_TIMEOUT_MS);
    Continuation kept = parked.at(emitter.nextSeq(), emitter.text(), spent.input(), spent.output());
    String requestJson = new String(EventJson.write(request), StandardCharsets.UTF_8);
    // Parked even when stopped meanwhile: the parking is then due at once, and ends stopped.
    ToolApprovalStore.Parking parking =
        DatabaseRetry.retrying(
            "Run " + request.runId() + " parking",
            () ->
                approvals.park(
                    request.runId(),
                    workerId,
                    requestJson,
                    kept.json(),
                    Instant.now().plus(properties.approvalTimeout()),
                    properties.lease()),
            () -> false,
            DATABASE_RETRY,
            pause -> Thread.sleep(pause.toMillis()));
    switch (parking) {
      case NOT_HELD ->
          LOG.warn("Run {} was not parked: this worker no longer holds it", request.runId());
      case PARKED -> LOG.info("Run {} parked: its tool calls wait for approval", request.runId());
      case DUE -> parkedRuns.publish(requestJson);
    }
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
      topicReady.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
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
          Instant.now());
      messages.finish(request.agentMessageId(), "failed", null, null, Instant.now());
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

  private static final Duration HISTORY_RETRY = Duration.ofSeconds(15);

  /** How long the database writes of a parking (issue #27) are retried while it is unavailable. */
  static final Duration DATABASE_RETRY = HISTORY_RETRY;

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
