package io.runstream.worker.run;

import io.runstream.core.store.ToolApprovalStore;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.context.RunContext;
import io.runstream.worker.context.ToolIdentity;
import io.runstream.worker.control.RunStops;
import io.runstream.worker.model.LlmProvider;
import io.runstream.worker.model.LlmRequest;
import io.runstream.worker.model.LlmResult;
import io.runstream.worker.model.LlmStream;
import io.runstream.worker.model.ModelFailure;
import io.runstream.worker.model.ProviderFailures;
import io.runstream.worker.model.Tokenizer;
import io.runstream.worker.output.ActionFlows;
import io.runstream.worker.output.ActionTagFilter;
import io.runstream.worker.tools.ClientToolBridge;
import io.runstream.worker.tools.ServerTool;
import io.runstream.worker.tools.ToolRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The agent loop of one run: model → tool calls → results → model, until the model answers without
 * calling a tool, the run is stopped, or {@code max-steps}. Each call is a {@code tool.input-start}
 * as soon as the model names it, then the complete call and its result, and every call gets its
 * result (an error when the tool failed, timed out or the run was stopped), so the transcript is
 * always valid for the next turn. Before the model, the run's context providers run ({@link
 * RunContext}); the model's text goes through the {@link ActionTagFilter}, whose tags run their
 * flows; transitions are reported as {@code stage} chunks. Every tool call's {@code user_id} is the
 * run's user ({@link ToolIdentity}). Server tools run here; a client tool's call is streamed with
 * {@code origin: client} and the run waits (bounded) for the result posted to the API. A retriable
 * provider failure before the step's first output is retried with back-off (the provider's {@code
 * Retry-After} when it gave one).
 *
 * <p>Whatever the run waits on (the model's pace or its stream, a back-off, a server tool, a client
 * tool's result), it waits through its {@link RunStops.Stop}, so that a stop, the run's deadline or
 * the worker's shutdown ends the wait at once: a server tool's call is then abandoned (it goes on
 * on its own thread until its own timeout, its result is dropped) and answered with the error
 * {@value #STOPPED}.
 */
@Component
class AgentLoop {
  private static final Logger LOG = LoggerFactory.getLogger(AgentLoop.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

  /** A tool call's error when the run ended while the tool ran. */
  static final String STOPPED = "The run was stopped while the tool ran.";

  private final ToolRegistry tools;
  private final ClientToolBridge clientTools;
  private final WorkerProperties properties;
  private final Tokenizer tokenizer;
  private final RunContext context;
  private final ActionFlows actionFlows;
  private final ToolApprovalStore approvals;

  AgentLoop(
      ToolRegistry tools,
      ClientToolBridge clientTools,
      WorkerProperties properties,
      Tokenizer tokenizer,
      RunContext context,
      ActionFlows actionFlows,
      ToolApprovalStore approvals) {
    this.approvals = approvals;
    this.tools = tools;
    this.clientTools = clientTools;
    this.properties = properties;
    this.tokenizer = tokenizer;
    this.context = context;
    this.actionFlows = actionFlows;
  }

  /**
   * How the loop ended.
   *
   * @param finishReason the last step's finish reason
   * @param stepOpen whether the last step still needs its {@code step.finished}
   * @param parked when the step's tool calls wait for approvals: what the run needs to go on (its
   *     output position is filled in by the caller, which parks it); null otherwise
   */
  record Outcome(String finishReason, boolean stepOpen, Continuation parked) {
    Outcome(String finishReason, boolean stepOpen) {
      this(finishReason, stepOpen, null);
    }
  }

  /**
   * Runs the loop; step 1 has been started by the caller. Each step's tokens are added to {@code
   * spent} as the step ends, a stopped step's too (what it streamed, counted when the provider
   * could not say).
   */
  Outcome run(
      RunRequested request,
      LlmProvider provider,
      int maxRetries,
      List<RunRequested.HistoryEntry> history,
      Sinks sinks)
      throws Exception {
    ChunkEmitter emitter = sinks.emitter();
    Stages stages = sinks.stages();
    RunContext.Prepared prepared =
        context.prepare(
            request,
            new RunContext.Listener() {
              @Override
              public void doc(String stage, String fileName, String error) {
                if ("extract_started".equals(stage)) {
                  stages.reading(fileName);
                }
                emitter.emit(null, new ChunkData.Doc(stage, fileName, error));
              }

              @Override
              public void retrieved(List<ChunkData.RetrievedDocument> documents) {
                emitter.emit(null, new ChunkData.Retrieved(documents));
              }

              @Override
              public void failed(String code, String message) {
                // Not the run's end: the run goes on without this context.
                emitter.emit(null, new ChunkData.Error(code, message, false));
              }
            });
    LlmRequest llm =
        new LlmRequest(
            request.model().modelId(),
            request.instructions(),
            history,
            request.input(),
            request.simulation(),
            tools.offered(request),
            List.of(),
            request.settings(),
            prepared.context(),
            prepared.documents(),
            request.images());
    return steps(request, provider, maxRetries, llm, 1, null, sinks);
  }

  /**
   * Goes on with a parked run (issue #27 item 4): the parked step's tool calls are answered (a
   * denied or timed-out approval tells the model the call was not run; the others run now), then
   * the loop goes on as usual.
   */
  Outcome resume(
      RunRequested request,
      LlmProvider provider,
      int maxRetries,
      Continuation parked,
      List<ToolApprovalStore.Decision> decisions,
      Sinks sinks)
      throws Exception {
    return steps(
        request,
        provider,
        maxRetries,
        parked.llm(),
        parked.step(),
        new Resuming(parked, decisions),
        sinks);
  }

  /**
   * Where a run's loop writes and what it answers to: its chunks, its open parts, its stages, its
   * metrics, its stop and the tokens it spent.
   */
  record Sinks(
      ChunkEmitter emitter,
      Parts parts,
      Stages stages,
      RunMetrics.Run measured,
      RunStops.Stop stop,
      Spent spent) {}

  /** A parked step being answered, and the answers to its approvals. */
  private record Resuming(Continuation parked, List<ToolApprovalStore.Decision> decisions) {}

  private Outcome steps(
      RunRequested request,
      LlmProvider provider,
      int maxRetries,
      LlmRequest llm,
      int first,
      Resuming resuming,
      Sinks sinks)
      throws Exception {
    ChunkEmitter emitter = sinks.emitter();
    Parts parts = sinks.parts();
    Stages stages = sinks.stages();
    RunMetrics.Run measured = sinks.measured();
    RunStops.Stop stop = sinks.stop();
    Spent spent = sinks.spent();
    for (int step = first; ; step++) {
      List<LlmRequest.ToolCall> calls = new ArrayList<>();
      String text;
      String reasoning;
      String signature;
      Set<String> started;
      Map<String, ToolApprovalStore.Decision> decided = new HashMap<>();
      Map<String, LlmRequest.ToolOutcome> answered = new HashMap<>();
      if (resuming != null && step == first) {
        Continuation parked = resuming.parked();
        calls.addAll(parked.calls());
        text = parked.text();
        reasoning = parked.reasoning();
        signature = parked.reasoningSignature();
        started = new HashSet<>();
        for (LlmRequest.ToolCall call : calls) {
          started.add(call.id());
        }
        for (ToolApprovalStore.Decision decision : resuming.decisions()) {
          decided.put(decision.toolCallId(), decision);
        }
        for (LlmRequest.ToolOutcome outcome : parked.answered()) {
          answered.put(outcome.id(), outcome);
        }
      } else {
        StepResult result =
            step(
                request,
                provider,
                maxRetries,
                llm,
                step,
                emitter,
                parts,
                stages,
                measured,
                stop,
                spent);
        if (result.outcome() != null) {
          return result.outcome();
        }
        text = result.output().text.toString();
        reasoning = result.output().reasoning.toString();
        signature = result.result().reasoningSignature();
        started = result.output().started;
        for (LlmRequest.ToolCall asked : result.result().toolCalls()) {
          // The model is told what ran: the call with its user_id set to the run's user.
          calls.add(
              new LlmRequest.ToolCall(
                  asked.id(), asked.name(), ToolIdentity.enforce(asked.input(), request)));
        }
        List<ToolApprovalStore.Requested> asked = approvalsNeeded(request, calls);
        if (!asked.isEmpty()) {
          return park(
              request, llm, step, text, reasoning, signature, calls, asked, started, emitter,
              stages, stop);
        }
      }
      List<LlmRequest.ToolOutcome> outcomes = new ArrayList<>();
      for (LlmRequest.ToolCall call : calls) {
        stages.tool(call.name());
        ToolApprovalStore.Decision decision = decided.get(call.id());
        if (answered.containsKey(call.id())) {
          // Ran before the step parked.
          outcomes.add(answered.get(call.id()));
        } else if (decision != null
            && !Boolean.TRUE.equals(decision.approved())
            && !stop.requested()) {
          outcomes.add(deny(call, decision, emitter));
        } else {
          outcomes.add(
              execute(request, call, emitter, started, stop, resuming != null && step == first));
        }
      }
      emitter.emit(null, new ChunkData.StepFinished("tool-calls"));
      llm = llm.next(new LlmRequest.Step(text, calls, outcomes, reasoning, signature));
      if (stop.requested() || step >= properties.maxSteps()) {
        return new Outcome("tool-calls", false);
      }
      Long cap = llm.outputCap();
      if (cap != null && spent.output() >= cap) {
        // The run's bound on output tokens is spent: it ends as a provider's max_tokens ends it.
        return new Outcome("length", false);
      }
    }
  }

  /**
   * A step's model call: its outcome when the run ends with it (no tool call, or a stop), else what
   * it wrote and called.
   */
  private record StepResult(Outcome outcome, StepOutput output, LlmResult result) {}

  private StepResult step(
      RunRequested request,
      LlmProvider provider,
      int maxRetries,
      LlmRequest llm,
      int step,
      ChunkEmitter emitter,
      Parts parts,
      Stages stages,
      RunMetrics.Run measured,
      RunStops.Stop stop,
      Spent spent)
      throws Exception {
    if (step > 1) {
      emitter.emit(null, new ChunkData.StepStarted(step));
    }
    stages.thinking();
    StepOutput output = new StepOutput(request, step, emitter, parts, stages, measured, stop);
    Long cap = llm.outputCap();
    LlmResult result =
        call(
            provider,
            cap == null ? llm : llm.capped(Math.max(1, cap - spent.output())),
            maxRetries,
            output,
            stop);
    output.end();
    long written = result.outputTokens();
    if (written == 0 && stop.requested()) {
      // A stop cut the provider's stream before it reported usage: what it streamed was written
      // all the same.
      written =
          tokenizer.count(output.text.toString()) + tokenizer.count(output.reasoning.toString());
    }
    if (output.called) {
      spent.add(result.inputTokens() > 0 ? result.inputTokens() : estimate(llm), written);
    }
    if (result.toolCalls().isEmpty() || stop.requested()) {
      return new StepResult(new Outcome(result.finishReason(), true), output, result);
    }
    return new StepResult(null, output, result);
  }

  /**
   * The approval id of a call: {@code <run uuid>:<toolCallId>}, unique across the chat's messages
   * (useChat finds an approval by its id alone), and naming the run its answer goes to.
   */
  static String approvalId(RunRequested request, String toolCallId) {
    return request.runId() + ":" + toolCallId;
  }

  /**
   * The approvals a step's calls need: a server or MCP tool listed in {@code
   * runstream.worker.needs-approval}, a client tool declared with {@code needsApproval: true}.
   */
  private List<ToolApprovalStore.Requested> approvalsNeeded(
      RunRequested request, List<LlmRequest.ToolCall> calls) {
    List<ToolApprovalStore.Requested> needed = new ArrayList<>();
    for (LlmRequest.ToolCall call : calls) {
      ServerTool server = tools.server(request, call.name());
      boolean needs =
          server != null
              ? properties.needsApproval(call.name())
              : ToolRegistry.clientNeedsApproval(request, call.name());
      if (needs) {
        needed.add(
            new ToolApprovalStore.Requested(
                approvalId(request, call.id()), call.id(), call.name()));
      }
    }
    return needed;
  }

  /**
   * Parks the step (issue #27 item 4): its approvals are recorded, every call of the step is
   * streamed, the server tools that need no approval run (as the AI SDK's streamText runs them
   * before it asks), then each call that needs one gets its {@code tool.approval-request}; the
   * caller keeps the continuation and lets the run go (no thread waits for the answers).
   */
  private Outcome park(
      RunRequested request,
      LlmRequest llm,
      int step,
      String text,
      String reasoning,
      String signature,
      List<LlmRequest.ToolCall> calls,
      List<ToolApprovalStore.Requested> asked,
      Set<String> started,
      ChunkEmitter emitter,
      Stages stages,
      RunStops.Stop stop) {
    // Recorded before they are streamed: whoever sees a request can answer it at once.
    DatabaseRetry.retrying(
        "Run " + request.runId() + " approvals",
        () -> {
          approvals.expect(request.runId(), asked);
          return asked;
        },
        stop::requested,
        AgentRunner.DATABASE_RETRY,
        stop::sleep);
    Set<String> waiting = new HashSet<>();
    for (ToolApprovalStore.Requested approval : asked) {
      waiting.add(approval.toolCallId());
    }
    for (LlmRequest.ToolCall call : calls) {
      stages.tool(call.name());
      announce(request, call, emitter, started);
    }
    List<LlmRequest.ToolOutcome> answered = new ArrayList<>();
    for (LlmRequest.ToolCall call : calls) {
      if (!waiting.contains(call.id()) && tools.server(request, call.name()) != null) {
        answered.add(execute(request, call, emitter, started, stop, true));
      }
    }
    for (LlmRequest.ToolCall call : calls) {
      if (waiting.contains(call.id())) {
        emitter.emit(
            null, new ChunkData.ToolApprovalRequest(approvalId(request, call.id()), call.id()));
      }
    }
    return new Outcome(
        "tool-calls",
        true,
        new Continuation(step, llm, text, reasoning, signature, calls, answered, 0, "", 0, 0));
  }

  /** A call whose approval was denied, or not given in time: the model is told it did not run. */
  private LlmRequest.ToolOutcome deny(
      LlmRequest.ToolCall call, ToolApprovalStore.Decision decision, ChunkEmitter emitter) {
    String error =
        decision.timedOut()
            ? "The call was not approved within "
                + properties.approvalTimeout().toSeconds()
                + " s, so it was not run."
            : "The user denied this call, so it was not run."
                + (decision.reason() == null || decision.reason().isBlank()
                    ? ""
                    : " Reason: " + decision.reason());
    emitter.emit(null, new ChunkData.ToolResult(call.id(), null, error, true));
    return new LlmRequest.ToolOutcome(call.id(), null, error);
  }

  /** Streams a call: its {@code tool.input-start} unless streamed already, then the call. */
  private void announce(
      RunRequested request, LlmRequest.ToolCall call, ChunkEmitter emitter, Set<String> started) {
    ServerTool server = tools.server(request, call.name());
    boolean client = server == null && ToolRegistry.client(request, call.name());
    if (started.add(call.id())) {
      emitter.emit(null, new ChunkData.ToolInputStart(call.id(), call.name()));
    }
    emitter.emit(
        null,
        new ChunkData.ToolCall(call.id(), call.name(), call.input(), client ? "client" : "server"));
  }

  /** One model call, retried while it fails retriably before any output. */
  private LlmResult call(
      LlmProvider provider, LlmRequest llm, int maxRetries, StepOutput output, RunStops.Stop stop)
      throws Exception {
    for (int attempt = 0; ; attempt++) {
      output.emitted = false;
      output.called = false;
      if (stop.requested()) {
        return new LlmResult("stop", 0, 0);
      }
      try {
        output.called = true;
        return provider.stream(llm, output);
      } catch (ModelFailure failure) {
        if (stop.requested()) {
          // A failure the stop caused (it cut the provider's stream), or one that no longer
          // matters.
          return new LlmResult("stop", 0, 0);
        }
        if (!failure.retryable() || output.emitted || attempt >= maxRetries) {
          throw failure;
        }
        Duration wait =
            failure.retryAfter() != null
                ? failure.retryAfter()
                : FIRST_BACKOFF.multipliedBy(1L << Math.min(attempt, 4));
        wait = wait.compareTo(MAX_BACKOFF) > 0 && failure.retryAfter() == null ? MAX_BACKOFF : wait;
        output.measured.providerError(failure.code());
        LOG.info(
            "Model call failed ({} {}); retry {} of {} in {} ms",
            failure.code(),
            failure.getMessage(),
            attempt + 1,
            maxRetries,
            wait.toMillis());
        stop.sleep(wait);
      }
    }
  }

  /**
   * Where a step's model output goes: chunks of the run, through the step's text and reasoning
   * parts; the text through the action tag filter, whose tags are dispatched to their flows and
   * streamed as tool calls.
   */
  private final class StepOutput implements LlmStream {
    final StringBuilder text = new StringBuilder();
    final StringBuilder reasoning = new StringBuilder();
    final Set<String> started = new HashSet<>();
    boolean emitted;

    /** Whether the step's last attempt reached the model (a stop before it spends nothing). */
    boolean called;

    private final RunRequested request;
    private final int step;
    private final ChunkEmitter emitter;
    private final Parts parts;
    private final Stages stages;
    private final RunMetrics.Run measured;
    private final RunStops.Stop stop;
    private final ActionTagFilter filter =
        new ActionTagFilter(
            new ActionTagFilter.Sink() {
              @Override
              public void text(String delta) {
                filtered(delta);
              }

              @Override
              public void action(String slug, String params) {
                dispatch(slug, params);
              }
            });
    private int actions;

    StepOutput(
        RunRequested request,
        int step,
        ChunkEmitter emitter,
        Parts parts,
        Stages stages,
        RunMetrics.Run measured,
        RunStops.Stop stop) {
      this.measured = measured;
      this.request = request;
      this.step = step;
      this.emitter = emitter;
      this.parts = parts;
      this.stages = stages;
      this.stop = stop;
    }

    /** The step's output ended: held-back text is text after all, the open part closes. */
    void end() {
      filter.flush();
      parts.close();
    }

    @Override
    public void toolInputStart(String toolCallId, String toolName) {
      emitted = true;
      filter.flush();
      parts.close();
      stages.tool(toolName);
      if (started.add(toolCallId)) {
        emitter.emit(null, new ChunkData.ToolInputStart(toolCallId, toolName));
      }
    }

    @Override
    public void text(String delta) {
      if (!delta.isEmpty()) {
        emitted = true;
        filter.accept(delta);
      }
    }

    /** Text that is not an action tag. */
    private void filtered(String delta) {
      measured.text();
      text.append(delta);
      stages.writing();
      parts.text(delta);
    }

    /** An action tag: its flow's call and result are streamed as a tool call, never as text. */
    private void dispatch(String slug, String params) {
      parts.close();
      stages.tool(slug);
      String id = "action_" + step + "_" + actions++;
      JsonNode input;
      String invalid = null;
      try {
        input = EventJson.MAPPER.readTree(params);
      } catch (RuntimeException e) {
        input = EventJson.MAPPER.createObjectNode().put("raw", params);
        invalid = "The action's parameters are not valid JSON.";
      }
      input = ToolIdentity.enforce(input, request);
      started.add(id);
      emitter.emit(null, new ChunkData.ToolInputStart(id, slug));
      emitter.emit(null, new ChunkData.ToolCall(id, slug, input, "server"));
      JsonNode output = null;
      String error = invalid;
      if (error == null) {
        JsonNode actionInput = input;
        try {
          output = abandonable(() -> actionFlows.run(slug, actionInput, request), stop);
        } catch (ServerTool.ToolException e) {
          error = e.getMessage();
        } catch (RuntimeException e) {
          LOG.warn("Run {}: action {} failed", request.runId(), slug, e);
          error = "The action failed: " + e.getClass().getSimpleName();
        }
      }
      emitter.emit(null, new ChunkData.ToolResult(id, error == null ? output : null, error));
    }

    @Override
    public void reasoning(String delta) {
      if (!delta.isEmpty()) {
        emitted = true;
        filter.flush();
        reasoning.append(delta);
        parts.reasoning(delta);
      }
    }

    @Override
    public void toolCall(String toolCallId, String toolName, JsonNode input, String origin) {
      toolInputStart(toolCallId, toolName);
      emitter.emit(
          null,
          new ChunkData.ToolCall(
              toolCallId, toolName, ToolIdentity.enforce(input, request), origin));
    }

    @Override
    public void toolResult(String toolCallId, JsonNode output, String errorText) {
      parts.close();
      emitter.emit(null, new ChunkData.ToolResult(toolCallId, output, errorText));
    }

    @Override
    public void doc(String stage, String fileName) {
      emitted = true;
      filter.flush();
      parts.close();
      emitter.emit(null, new ChunkData.Doc(stage, fileName));
    }

    @Override
    public void image(String url, String mediaType, String prompt) {
      emitted = true;
      filter.flush();
      parts.close();
      emitter.emit(null, new ChunkData.Image(url, mediaType, prompt));
    }

    @Override
    public void stage(
        String missionLabel, String mood, String leftPanel, String rightPanel, String stageTarget) {
      emitted = true;
      filter.flush();
      parts.close();
      stages.reported(new ChunkData.Stage(missionLabel, mood, leftPanel, rightPanel, stageTarget));
    }

    @Override
    public boolean stopped() {
      return stop.requested();
    }

    @Override
    public boolean pause(long nanos) {
      return stop.sleep(nanos);
    }

    @Override
    public <T> T blocking(Supplier<T> read) {
      return stop.interruptibly(read);
    }
  }

  /**
   * Runs one tool call: its call chunk (unless {@code announced}: a parked step's calls were
   * streamed before it parked), then always its result chunk.
   */
  private LlmRequest.ToolOutcome execute(
      RunRequested request,
      LlmRequest.ToolCall call,
      ChunkEmitter emitter,
      Set<String> started,
      RunStops.Stop stop,
      boolean announced) {
    ServerTool server = tools.server(request, call.name());
    boolean client = server == null && ToolRegistry.client(request, call.name());
    if (client) {
      clientTools.expect(request.runId(), call.id());
    }
    if (!announced) {
      announce(request, call, emitter, started);
    }
    LlmRequest.ToolOutcome outcome;
    try {
      if (stop.requested()) {
        outcome =
            new LlmRequest.ToolOutcome(call.id(), null, "The run was stopped before the tool ran.");
      } else if (server != null) {
        outcome =
            new LlmRequest.ToolOutcome(
                call.id(), abandonable(() -> server.call(call.input(), request), stop), null);
      } else if (client) {
        outcome =
            switch (clientTools.await(
                request.runId(), call.id(), properties.clientToolTimeout(), stop)) {
              case ClientToolBridge.Answer.Result r ->
                  new LlmRequest.ToolOutcome(call.id(), r.output(), null);
              case ClientToolBridge.Answer.TimedOut t ->
                  new LlmRequest.ToolOutcome(
                      call.id(),
                      null,
                      "The client did not answer within " + t.waited().toSeconds() + " s.");
              case ClientToolBridge.Answer.Stopped s ->
                  new LlmRequest.ToolOutcome(call.id(), null, STOPPED);
            };
      } else {
        outcome =
            new LlmRequest.ToolOutcome(
                call.id(), null, "No tool named '" + call.name() + "' is available.");
      }
    } catch (ServerTool.ToolException e) {
      outcome = new LlmRequest.ToolOutcome(call.id(), null, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("Run {}: tool {} failed", request.runId(), call.name(), e);
      outcome =
          new LlmRequest.ToolOutcome(
              call.id(), null, "The tool failed: " + e.getClass().getSimpleName());
    }
    emitter.emit(null, new ChunkData.ToolResult(call.id(), outcome.output(), outcome.error()));
    return outcome;
  }

  /** Input tokens of a step for providers that do not report them (the simulated model). */
  private long estimate(LlmRequest llm) {
    long tokens = tokenizer.prompt(llm.instructions(), llm.history(), llm.prompt());
    for (LlmRequest.Step step : llm.steps()) {
      tokens += tokenizer.count(step.text());
      for (LlmRequest.ToolCall call : step.calls()) {
        tokens +=
            tokenizer.count(call.name())
                + tokenizer.count(EventJson.MAPPER.writeValueAsString(call.input()));
      }
      for (LlmRequest.ToolOutcome outcome : step.outcomes()) {
        tokens += tokenizer.count(ProviderFailures.resultText(outcome));
      }
    }
    return tokens;
  }

  /** A server tool's work, which may throw the error the model is shown. */
  interface ToolWork {
    JsonNode call() throws ServerTool.ToolException;
  }

  /**
   * Runs a server tool's work (an MCP call, a webhook, a database tool) on a thread of its own
   * while the run waits for it through its stop: when the run ends first, the call is abandoned
   * (nothing interrupts it, so that a shared MCP connection or a pooled database connection is
   * never broken mid-call; it ends by its own timeout and its result is dropped) and the call's
   * error is {@value #STOPPED}.
   */
  static JsonNode abandonable(ToolWork work, RunStops.Stop stop) throws ServerTool.ToolException {
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    Map<String, String> logContext = MDC.getCopyOfContextMap();
    Thread.ofVirtual()
        .name("server-tool")
        .start(
            () -> {
              if (logContext != null) {
                MDC.setContextMap(logContext);
              }
              try {
                result.complete(work.call());
              } catch (ServerTool.ToolException | RuntimeException | Error e) {
                result.completeExceptionally(e);
              }
            });
    if (!stop.await(result, null)) {
      throw new ServerTool.ToolException(STOPPED);
    }
    try {
      return result.join();
    } catch (CompletionException e) {
      switch (e.getCause()) {
        case ServerTool.ToolException tool -> throw tool;
        case RuntimeException runtime -> throw runtime;
        case Error error -> throw error;
        case null, default -> throw e;
      }
    }
  }
}
