package io.runstream.ingest.runs;

import io.runstream.admission.AdmissionProperties;
import io.runstream.admission.AdmittedRun;
import io.runstream.admission.PageRequest;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.admission.control.RunStopper;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.core.problem.Ids;
import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.time.Timestamps;
import io.runstream.ingest.Links;
import io.runstream.schemas.EventJson;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The runs primitive: docs/faces/canonical.md. */
@RestController
@RequestMapping(path = "/api/v1/runs", produces = MediaType.APPLICATION_JSON_VALUE)
public class RunController {
  /** How long an answer to a client tool call waits for the call to be in the chunk log. */
  private static final Duration PENDING_CALL_WAIT = Duration.ofSeconds(3);

  private final CallerResolver callers;
  private final RunAdmission admission;
  private final RequestFields fields;
  private final RunStore runs;
  private final Links links;
  private final AdmissionProperties properties;
  private final RunStopper stopper;
  private final ChunkLogStore chunkLog;
  private final ApiLimits limits;

  public RunController(
      CallerResolver callers,
      RunAdmission admission,
      RequestFields fields,
      RunStore runs,
      Links links,
      AdmissionProperties properties,
      RunStopper stopper,
      ChunkLogStore chunkLog,
      ApiLimits limits) {
    this.limits = limits;
    this.stopper = stopper;
    this.chunkLog = chunkLog;
    this.callers = callers;
    this.admission = admission;
    this.fields = fields;
    this.runs = runs;
    this.links = links;
    this.properties = properties;
  }

  /** Starts a run, in a new session or an existing one; 202 once the broker acknowledged it. */
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> create(@RequestBody JsonNode raw) {
    Caller caller = callers.current();
    JsonNode body = fields.object(raw);
    // The contract's tools and files (docs/faces/canonical.md), and images for vision models, are
    // validated here
    // and go to the
    // worker with the run.
    RunInput.Extras extras =
        RunInput.Extras.builder()
            .tools(fields.tools(body, "tools"))
            .files(fields.files(body, "files"))
            .images(fields.images(body, "images"))
            .build();
    RunInput input =
        fields.runInput(
            body,
            fields.optionalSessionId(body, "session_uuid"),
            "input",
            false,
            true,
            properties.defaultModelProvider(),
            extras);
    // Double-texting (ADR 0016): what the run does while a run of its session is live.
    var strategy =
        fields.multitaskStrategy(body, "multitask_strategy", properties.defaultMultitaskStrategy());
    AdmittedRun run = admission.admit(caller, input, strategy);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("run_uuid", run.runId());
    answer.put("session_uuid", run.sessionId());
    answer.put("message_uuid", run.agentMessageId());
    answer.put("stream_url", links.runStream(run.runId()));
    answer.put("status_url", links.run(run.runId()));
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer);
  }

  /**
   * Cancels a live run; idempotent, and a finished run stays as it is. 202 with the run's status.
   */
  @PostMapping("/{runId}/cancel")
  public ResponseEntity<Map<String, Object>> cancel(@PathVariable String runId) {
    RunRow run = ownRun(callers.current(), runId);
    stopper.stop(run, "cancelled");
    RunRow now = runs.find(run.id()).orElse(run);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("uuid", now.id());
    body.put("status", now.status().wire());
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(body);
  }

  /**
   * Answers a client-side tool call the run is waiting for; 409 {@code no_pending_tool_call} when
   * the run is not waiting for that call (ended, or no such client call).
   */
  @PostMapping(path = "/{runId}/tool-results", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> toolResult(
      @PathVariable String runId, @RequestBody JsonNode raw) {
    RunRow run = ownRun(callers.current(), runId);
    JsonNode body = fields.object(raw);
    String toolCallId = fields.optionalText(body, "toolCallId", 200);
    if (toolCallId == null || toolCallId.isBlank()) {
      throw ApiException.invalid("toolCallId", "is required");
    }
    if (!body.has("output")) {
      throw ApiException.invalid("output", "is required (any JSON value)");
    }
    if (run.status().terminal() || !pending(run, toolCallId)) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "no_pending_tool_call",
          "Conflict",
          "The run is not waiting for a client tool call with this id.");
    }
    stopper.sendToolResult(run, toolCallId, body.get("output"));
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("uuid", run.id());
    answer.put("toolCallId", toolCallId);
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer);
  }

  /**
   * A run the caller may act on (cancel it, answer its tool calls): its owner's or, for an
   * administrator, any of the organisation's; 404 otherwise, as for another organisation's run.
   */
  private RunRow ownRun(Caller caller, String runId) {
    return runs.find(caller.orgId(), Ids.parse(runId, "Run"))
        .filter(run -> caller.mayActOn(run.userId()))
        .orElseThrow(() -> ApiException.notFound("Run"));
  }

  /**
   * True once the run's chunk log shows the client call without its result. A client answers as
   * soon as it sees the call on its stream, which can be before the sink logged it: wait for the
   * log a little.
   */
  private boolean pending(RunRow run, String toolCallId) {
    long deadline = System.nanoTime() + PENDING_CALL_WAIT.toNanos();
    while (true) {
      if (chunkLog.pendingClientToolCall(run.id(), toolCallId)) {
        return true;
      }
      if (System.nanoTime() > deadline
          || runs.find(run.id()).map(r -> r.status().terminal()).orElse(true)) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** A run's status. */
  @GetMapping("/{runId}")
  public Map<String, Object> get(@PathVariable String runId) {
    Caller caller = callers.current();
    RunRow run =
        runs.find(caller.orgId(), Ids.parse(runId, "Run"))
            .orElseThrow(() -> ApiException.notFound("Run"));
    return view(run);
  }

  /**
   * Recent runs, newest first, with their progress (a live view of runs): the caller's own, or with
   * {@code scope=organisation} (administrators only) every run of the organisation. Each run as
   * {@link #get} shows it, plus {@code user}, {@code first_token_at}, {@code
   * time_to_first_token_ms} (from the run's start), {@code streamed_deltas} (text and reasoning
   * deltas in the chunk log so far) and {@code tokens_per_second} (output tokens, or streamed
   * deltas while it runs, over the time since the first token).
   */
  @GetMapping
  public Map<String, Object> list(
      @RequestParam(name = "page", required = false) String page,
      @RequestParam(name = "page_size", required = false) String pageSize,
      @RequestParam(name = "scope", required = false) String scope) {
    Caller caller = callers.current();
    PageRequest request = PageRequest.parse(page, pageSize, 20, limits.maxPageSize());
    UUID user;
    if (scope == null || scope.isEmpty() || scope.equals("mine")) {
      user = caller.userId();
    } else if (scope.equals("organisation")) {
      if (!caller.admin()) {
        throw new ApiException(
            HttpStatus.FORBIDDEN,
            "forbidden",
            "Forbidden",
            "Only an organisation's administrators see all its runs.");
      }
      user = null;
    } else {
      throw ApiException.invalid("scope", "must be mine or organisation");
    }
    Instant now = Instant.now();
    var results =
        runs.recent(caller.orgId(), user, request.offset(), request.size()).stream()
            .map(activity -> activity(activity, now))
            .toList();
    String url = links.base() + "/api/v1/runs" + (user == null ? "?scope=organisation" : "");
    return request.answer(url, runs.countRecent(caller.orgId(), user), results);
  }

  private Map<String, Object> activity(RunStore.RunActivity activity, Instant now) {
    RunRow run = activity.run();
    Map<String, Object> body = view(run);
    body.put("user", activity.subject());
    body.put("first_token_at", Timestamps.format(activity.firstDeltaAt()));
    body.put(
        "time_to_first_token_ms",
        activity.firstDeltaAt() == null || run.startedAt() == null
            ? null
            : Math.max(0, Duration.between(run.startedAt(), activity.firstDeltaAt()).toMillis()));
    body.put("streamed_deltas", activity.deltas());
    Double perSecond = null;
    if (activity.firstDeltaAt() != null) {
      Instant end = run.finishedAt() != null ? run.finishedAt() : now;
      double seconds = Duration.between(activity.firstDeltaAt(), end).toNanos() / 1e9;
      long tokens = run.outputTokens() != null ? run.outputTokens() : activity.deltas();
      if (seconds > 0.05) {
        perSecond = Math.round(tokens / seconds * 10) / 10.0;
      }
    }
    body.put("tokens_per_second", perSecond);
    return body;
  }

  private Map<String, Object> view(RunRow run) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("uuid", run.id());
    body.put("session_uuid", run.sessionId());
    body.put("status", run.status().wire());
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("provider", run.modelProvider());
    model.put("model_id", run.modelId());
    body.put("model", model);
    if (run.inputTokens() != null || run.outputTokens() != null) {
      Map<String, Object> usage = new LinkedHashMap<>();
      usage.put("input_tokens", run.inputTokens() == null ? 0 : run.inputTokens());
      usage.put("output_tokens", run.outputTokens() == null ? 0 : run.outputTokens());
      body.put("usage", usage);
    } else {
      body.put("usage", null);
    }
    body.put("created_at", Timestamps.format(run.createdAt()));
    body.put("started_at", Timestamps.format(run.startedAt()));
    body.put("finished_at", Timestamps.format(run.finishedAt()));
    body.put("error", run.errorJson() == null ? null : EventJson.MAPPER.readTree(run.errorJson()));
    return body;
  }
}
