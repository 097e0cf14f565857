package io.runstream.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.admission.control.RunStopper;
import io.runstream.admission.limits.RunLimits;
import io.runstream.admission.routing.ModelRouting;
import io.runstream.core.identity.Caller;
import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.model.ModelProviders;
import io.runstream.core.model.SimulationProperties;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionRow;
import io.runstream.core.store.SessionStore;
import io.runstream.core.time.Timestamps;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admits runs: one live run per session, sequence numbers that continue across the session's runs,
 * rows written before the request is published, and an answer only after the broker's
 * acknowledgement.
 */
@Service
public class RunAdmission {
  private static final Logger LOG = LoggerFactory.getLogger(RunAdmission.class);
  private static final long RETRY_PAUSE_MS = 25;

  private final SessionStore sessions;
  private final MessageStore messages;
  private final RunStore runs;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final RunRequestPublisher publisher;
  private final AdmissionProperties properties;
  private final RunLimits limits;
  private final ChunkLayout layout;
  private final ModelProviders providers;
  private final ModelRouting routing;
  private final MeterRegistry meters;
  private final SimulationProperties simulation;
  private final HeldRunReleaser releaser;
  private final RunStopper stopper;

  public RunAdmission(
      SessionStore sessions,
      MessageStore messages,
      RunStore runs,
      JdbcClient jdbc,
      TransactionTemplate tx,
      RunRequestPublisher publisher,
      AdmissionProperties properties,
      RunLimits limits,
      ChunkLayout layout,
      ModelProviders providers,
      ModelRouting routing,
      MeterRegistry meters,
      SimulationProperties simulation,
      HeldRunReleaser releaser,
      RunStopper stopper) {
    this.releaser = releaser;
    this.stopper = stopper;
    this.meters = meters;
    this.simulation = simulation;
    this.providers = providers;
    this.routing = routing;
    this.limits = limits;
    this.layout = layout;
    this.sessions = sessions;
    this.messages = messages;
    this.runs = runs;
    this.jdbc = jdbc;
    this.tx = tx;
    this.publisher = publisher;
    this.properties = properties;
  }

  /**
   * @param held enqueued behind the session's live run: not published now (ADR 0016)
   * @param interrupted the runs a double-texting {@code interrupt} or {@code rollback} stopped, to
   *     signal
   */
  private record Written(
      RunRequested request, String title, boolean held, List<RunRow> interrupted) {}

  /** The default provider's default model, else {@code runstream.ingest.default-model-id}. */
  private RunRequested.ModelRef defaultModel() {
    ModelProviders.Provider provider = providers.all().get(properties.defaultModelProvider());
    String model =
        provider != null && !provider.defaultModel().isBlank()
            ? provider.defaultModel()
            : properties.defaultModelId();
    return new RunRequested.ModelRef(properties.defaultModelProvider(), model);
  }

  /**
   * Admits a run: in a new session when {@code input.sessionId()} is null, else in that session of
   * the caller's organisation (404 otherwise). A session whose previous run is still live answers
   * 409 {@code run_in_progress}, after waiting briefly for a just-finished run's end to be
   * recorded.
   */
  public AdmittedRun admit(Caller caller, RunInput requested) {
    return admit(caller, requested, MultitaskStrategy.REJECT);
  }

  /**
   * {@link #admit(Caller, RunInput)} with a double-texting strategy (docs/faces/canonical.md, ADR
   * 0016) for a session whose run is live: {@code reject} answers 409 as above; {@code enqueue}
   * holds the new run behind the live one (and behind the runs already held), to start when they
   * have ended; {@code interrupt} stops every live run of the session as Stop does and holds the
   * new one until they have ended; {@code rollback} also takes the stopped runs' turns out of the
   * transcript and of every later history. A held run is durable in PostgreSQL when this returns;
   * the releaser ({@link HeldRunReleaser}) publishes it when its turn comes.
   */
  public AdmittedRun admit(Caller caller, RunInput requested, MultitaskStrategy strategy) {
    if (requested.simulation() != null && !simulation.allows(caller)) {
      throw ApiException.invalid(
          "simulation",
          "is for development and load tests, and is not enabled for this caller "
              + "(runstream.simulation.enabled, runstream.simulation.subjects)");
    }
    RunInput input = requested;
    Optional<ModelRouting.Rule> route =
        input.model() != null
            ? Optional.empty()
            : routing.route(caller, input.extras().agentRole());
    RunRequested.ModelRef model =
        input.model() != null
            ? input.model()
            : route.map(ModelRouting::model).orElseGet(this::defaultModel);
    if (!providers.all().containsKey(model.provider())
        || !routing.allowed(caller, model.provider())) {
      List<String> available =
          providers.names().stream().filter(name -> routing.allowed(caller, name)).toList();
      throw ApiException.invalid(
          "model",
          "unknown provider '"
              + model.provider()
              + "'; available: "
              + String.join(", ", available));
    }
    if (input.instructions() == null && route.isPresent() && route.get().instructions() != null) {
      input = input.withInstructions(route.get().instructions());
    }
    RunInput admitted = input;
    long deadline = System.nanoTime() + properties.previousRunWait().toNanos();
    Written written;
    while (true) {
      Optional<Written> attempt = tx.execute(status -> write(caller, admitted, model, strategy));
      if (attempt != null && attempt.isPresent()) {
        written = attempt.get();
        break;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new ApiException(
            HttpStatus.CONFLICT,
            "run_in_progress",
            "Conflict",
            "A run of this session is still in progress; wait for its finish event or stop it.");
      }
      pause();
    }
    RunRequested request = written.request();
    if (written.held()) {
      for (RunRow live : written.interrupted()) {
        stopper.signal(live, STOP_REASON);
      }
      // Its turn may have come already (the live run ended meanwhile): released now rather than at
      // the next sweep.
      try {
        releaser.release(request.sessionId());
      } catch (RuntimeException e) {
        LOG.warn(
            "Run {} held; not released now ({}), the releaser will", request.runId(), e.toString());
      }
      counted(request);
      return new AdmittedRun(
          request.runId(),
          request.sessionId(),
          request.userMessageId(),
          request.agentMessageId(),
          written.title());
    }
    try {
      publisher.publish(request);
    } catch (RunRequestPublisher.PublishFailedException e) {
      LOG.warn("Run {} could not be published; marking it failed", request.runId(), e);
      Boolean failed =
          tx.execute(
              status -> {
                if (!runs.failUnpublished(
                    request.runId(),
                    "{\"code\":\"publish_failed\",\"message\":\"the broker did not acknowledge\"}")) {
                  return false;
                }
                messages.finish(request.agentMessageId(), "failed", null, null, Timestamps.now());
                return true;
              });
      if (!Boolean.TRUE.equals(failed)) {
        // A worker took the run after all: it was published, so it is accepted.
        return new AdmittedRun(
            request.runId(),
            request.sessionId(),
            request.userMessageId(),
            request.agentMessageId(),
            written.title());
      }
      if (e.tooLarge()) {
        throw new ApiException(
            HttpStatus.CONTENT_TOO_LARGE,
            "request_too_large",
            "Content Too Large",
            "The run request is larger than the broker accepts ("
                + RunRequestPublisher.MAX_REQUEST_BYTES
                + " bytes).");
      }
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "broker_unavailable",
          "Service Unavailable",
          "The run could not be queued; nothing was started. Try again.",
          Map.of("retryable", true),
          Map.of("Retry-After", "1"));
    }
    counted(request);
    return new AdmittedRun(
        request.runId(),
        request.sessionId(),
        request.userMessageId(),
        request.agentMessageId(),
        written.title());
  }

  private void counted(RunRequested request) {
    Counter.builder("runstream.ingest.runs.admitted")
        .description(
            "runs admitted (published after the broker's ack, or held behind a live run), by face")
        .tag("face", request.face() == null ? "canonical" : request.face())
        .register(meters)
        .increment();
  }

  /**
   * The reason a double-texting interrupt gives the runs it stops (their {@code abort} event's).
   */
  static final String STOP_REASON = "interrupted by a new message";

  /**
   * One attempt in a transaction; empty if the session still has a live run and the strategy is
   * {@code reject}.
   */
  private Optional<Written> write(
      Caller caller, RunInput input, RunRequested.ModelRef model, MultitaskStrategy strategy) {
    Instant now = Timestamps.now();
    UUID sessionId = input.sessionId();
    RunInput.Extras extras = input.extras();
    String metadata = input.metadataJson() == null ? "{}" : input.metadataJson();
    String title;
    long seqBase;
    List<RunRow> live = List.of();
    if (sessionId == null && extras.sessionKey() != null) {
      // A face's own key names the session: continued if it exists, created otherwise (concurrent
      // first requests
      // meet on the unique key and one creates it).
      SessionStore.Keyed keyed =
          sessions.lockOrCreateByKey(
              caller.orgId(),
              caller.userId(),
              extras.face(),
              extras.sessionKey(),
              input.title() == null ? "" : input.title(),
              metadata,
              now);
      sessionId = keyed.id();
      if (!keyed.created()) {
        live = runs.live(sessionId);
        if (!live.isEmpty() && strategy == MultitaskStrategy.REJECT) {
          return Optional.empty();
        }
      }
      title = sessions.find(caller.orgId(), sessionId).map(s -> s.title()).orElse("");
      seqBase = keyed.created() ? 1 : nextSeq(sessionId);
      sessions.touch(sessionId, now);
    } else if (sessionId == null) {
      sessionId = UUID.randomUUID();
      title = input.title() == null ? "" : input.title();
      sessions.insert(sessionId, caller.orgId(), caller.userId(), title, metadata, now);
      seqBase = 1;
    } else {
      // Posting into a session is for its owner and the organisation's administrators; anyone else
      // gets 404, as
      // for another organisation's session.
      if (!sessions.lock(caller.orgId(), sessionId)) {
        throw ApiException.notFound("Session");
      }
      SessionRow session =
          sessions
              .find(caller.orgId(), sessionId)
              .filter(found -> caller.mayActOn(found.userId()))
              .orElseThrow(() -> ApiException.notFound("Session"));
      live = runs.live(sessionId);
      if (!live.isEmpty() && strategy == MultitaskStrategy.REJECT) {
        return Optional.empty();
      }
      title = session.title();
      seqBase = nextSeq(sessionId);
      sessions.touch(sessionId, now);
    }
    boolean held = !live.isEmpty();
    List<RunRow> interrupted = List.of();
    if (held
        && (strategy == MultitaskStrategy.INTERRUPT || strategy == MultitaskStrategy.ROLLBACK)) {
      // Every live run of the session, held ones included, is stopped as Stop stops it (recorded on
      // its row, so that
      // a worker that claims it later ends it at once); the control message goes after the commit.
      interrupted = live;
      // The sink's lock order (the run's advisory lock before its rows): no deadlock with a batch
      // of these runs.
      live.stream().map(RunRow::id).sorted().forEach(runs::lockAsTheSinkDoes);
      for (RunRow run : live) {
        runs.requestStop(run.id());
      }
      if (strategy == MultitaskStrategy.ROLLBACK) {
        messages.rollBack(sessionId, live.stream().map(RunRow::id).toList(), now);
      }
    }
    if (held) {
      // Its ids are the session's next ones when it is released (the live run's last id is not
      // known yet).
      seqBase = 1;
    }
    UUID runId = UUID.randomUUID();
    UUID userMessageId = UUID.randomUUID();
    UUID agentMessageId = UUID.randomUUID();
    messages.insert(
        userMessageId,
        sessionId,
        caller.orgId(),
        runId,
        "user",
        input.text(),
        "completed",
        model.provider(),
        model.modelId(),
        metadata,
        now);
    messages.insert(
        agentMessageId,
        sessionId,
        caller.orgId(),
        runId,
        "agent",
        "",
        "streaming",
        model.provider(),
        model.modelId(),
        metadata,
        now.plusNanos(1000));
    RunRequested request =
        new RunRequested(
            RunRequested.SCHEMA_VERSION,
            runId,
            sessionId,
            caller.orgId(),
            caller.userId(),
            userMessageId,
            agentMessageId,
            input.text(),
            input.instructions(),
            model,
            seqBase,
            input.history(),
            input.simulation(),
            now,
            layout.topicForNewRun(runId),
            extras.face(),
            extras.agentRole(),
            extras.context(),
            extras.settings(),
            extras.tools(),
            extras.availableTools(),
            extras.files(),
            extras.images(),
            extras.memoryTtlSeconds(),
            extras.historyLimit(),
            new RunRequested.Identity(caller.subject(), caller.email(), caller.name()),
            extras.projectId());
    try {
      if (held) {
        runs.insertHeld(
            runId,
            sessionId,
            caller.orgId(),
            caller.userId(),
            userMessageId,
            agentMessageId,
            model.provider(),
            model.modelId(),
            layout.topicForNewRun(runId),
            new String(EventJson.write(request), StandardCharsets.UTF_8),
            now);
      } else {
        runs.insertQueued(
            runId,
            sessionId,
            caller.orgId(),
            caller.userId(),
            userMessageId,
            agentMessageId,
            model.provider(),
            model.modelId(),
            seqBase,
            layout.topicForNewRun(runId),
            now);
      }
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "run_in_progress",
          "Conflict",
          "A run of this session is still in progress.");
    }
    // Last in the transaction (its locks are the last this transaction takes, held only until the
    // commit): the budget, the run rate and the caller's live runs, this one included.
    limits.check(caller, input.text());
    return Optional.of(new Written(request, title, held, interrupted));
  }

  /** The first seq of the session's next run: one past the last id any of its runs used. */
  private long nextSeq(UUID sessionId) {
    return jdbc.sql(
            "SELECT COALESCE(max(GREATEST(last_seq, seq_base)), 0) + 1 FROM runs WHERE session_id = :session")
        .param("session", sessionId)
        .query(Long.class)
        .single();
  }

  private static void pause() {
    try {
      Thread.sleep(RETRY_PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE, "interrupted", "Service Unavailable", "Interrupted.");
    }
  }
}
