package io.runstream.fanout.responses;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.admission.control.RunStopper;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.responses.ResponsesRequests.ResponseRequest;
import io.runstream.fanout.sse.SseStream;
import io.runstream.fanout.stream.Delivery;
import io.runstream.fanout.stream.RunReader;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The OpenAI Responses API over runs (issue #28): one Response is one run. {@code POST
 * /v1/responses} starts it and answers its event stream ({@code stream: true}), the Response at
 * once ({@code background: true}: queued or in progress) or the Response once the run has ended;
 * {@code GET /v1/responses/{id}} answers the Response as it stands, or with {@code ?stream=true}
 * its events after {@code starting_after} (from the first without), the same numbers and payloads
 * as the first reader had, then the live tail, for as long as the run is retained; {@code POST
 * /v1/responses/{id}/cancel} stops a background response (idempotent).
 */
@RestController
public class ResponsesController {
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);
  private static final long POLL_MS = 50;
  private static final Duration CALL_WAIT = Duration.ofSeconds(3);
  private static final int LOG_PAGE = 1000;

  private final CallerResolver callers;
  private final RunAdmission admission;
  private final ResponsesRequests requests;
  private final RunStore runs;
  private final MessageStore messages;
  private final SseStream stream;
  private final RunReader reader;
  private final RunStopper stopper;
  private final ResponsesRenderer renderer;
  private final ChunkLogStore chunkLog;

  public ResponsesController(
      CallerResolver callers,
      RunAdmission admission,
      ResponsesRequests requests,
      RunStore runs,
      MessageStore messages,
      SseStream stream,
      RunReader reader,
      RunStopper stopper,
      ResponsesRenderer renderer,
      ChunkLogStore chunkLog) {
    this.chunkLog = chunkLog;
    this.callers = callers;
    this.admission = admission;
    this.requests = requests;
    this.runs = runs;
    this.messages = messages;
    this.stream = stream;
    this.reader = reader;
    this.stopper = stopper;
    this.renderer = renderer;
  }

  /** Creates a Response: its stream, or the Response (at once in the background). */
  @PostMapping(ResponsesFace.POST_PATH)
  public ResponseEntity<Object> create(
      @RequestBody(required = false) JsonNode body, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    ResponseRequest request = requests.read(caller, body);
    if (request.toolOutput() != null) {
      return answerCall(caller, request, response);
    }
    RunInput input = requests.input(caller, request);
    if (request.stream()) {
      // The stream is taken before the run starts: a 429 must not leave a run that nobody reads.
      try (var reserved = stream.reserve(caller)) {
        RunRow run = admitted(caller, admission.admit(caller, input));
        response.setHeader("X-Run-Id", run.id().toString());
        stream.serve(
            run,
            null,
            false,
            renderer.forResponse(request.envelope().of(run), 0, null),
            response,
            reserved);
      }
      return null;
    }
    RunRow run = admitted(caller, admission.admit(caller, input));
    ResponseEnvelope envelope = request.envelope().of(run);
    if (envelope.background()) {
      return answer(new ResponseState(envelope, "queued").response());
    }
    return answer(collect(waitReleased(run), envelope, 0, true).response());
  }

  /**
   * A {@code function_call_output} with {@code previous_response_id}: the run that Response belongs
   * to waits for that call's result; it gets it, and the new Response is the rest of the run, up to
   * its end or its next client tool call.
   */
  private ResponseEntity<Object> answerCall(
      Caller caller, ResponseRequest request, HttpServletResponse response) throws IOException {
    RunRow run = request.previousRun();
    String previous = request.envelope().previousResponseId();
    long previousAfter = ResponseEnvelope.ref(previous).map(ResponseEnvelope.Ref::after).orElse(0L);
    String callId = request.toolOutput().callId();
    long callSeq = clientCall(run, previousAfter, callId);
    if (run.status().terminal()
        || callSeq < 0
        || !chunkLog.pendingClientToolCall(run.id(), callId)) {
      throw ResponsesFace.invalid(
          "input",
          "No function call with call_id '"
              + callId
              + "' of response '"
              + previous
              + "' is waiting for its output");
    }
    stopper.sendToolResult(run, callId, StringNode.valueOf(request.toolOutput().output()));
    ResponseEnvelope envelope = envelope(run).after(run.id(), callSeq, previous);
    if (request.stream()) {
      response.setHeader("X-Run-Id", run.id().toString());
      stream.serve(
          caller, run, null, false, renderer.forResponse(envelope, callSeq, null), response);
      return null;
    }
    if (request.envelope().background()) {
      return answer(new ResponseState(envelope, "in_progress", callSeq).response());
    }
    return answer(collect(run, envelope, callSeq, true).response());
  }

  /**
   * The seq of the run's client tool call {@code callId} after {@code after}, as the chunk log has
   * it; -1 when there is none. The client answers a call as soon as its stream showed it, which can
   * be before the sink logged it: the log is asked again for a little while.
   */
  private long clientCall(RunRow run, long after, String callId) {
    long deadline = System.nanoTime() + CALL_WAIT.toNanos();
    while (true) {
      long from = Math.max(after, run.seqBase() - 1);
      while (true) {
        List<RunChunk> page = chunkLog.read(run.id(), from, LOG_PAGE);
        for (RunChunk chunk : page) {
          if (chunk.data() instanceof ChunkData.ToolCall call
              && "client".equals(call.origin())
              && call.toolCallId().equals(callId)) {
            return chunk.seq();
          }
        }
        if (page.size() < LOG_PAGE) {
          break;
        }
        from = page.getLast().seq();
      }
      if (System.nanoTime() > deadline
          || runs.find(run.id()).map(r -> r.status().terminal()).orElse(true)) {
        return -1;
      }
      pause();
    }
  }

  /** A Response as it stands, or its events with {@code ?stream=true}. */
  @GetMapping(ResponsesFace.RESPONSE_PATH)
  public ResponseEntity<Object> retrieve(
      @PathVariable String responseId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    RunRow run = own(caller, responseId);
    long after = ResponseEnvelope.ref(responseId).orElseThrow().after();
    boolean streamed = flag(request.getParameter("stream"), "stream");
    Long startingAfter = cursor(request.getParameter("starting_after"));
    ResponseEnvelope envelope = envelope(run, after);
    if (streamed) {
      response.setHeader("X-Run-Id", run.id().toString());
      stream.serve(
          caller, run, null, false, renderer.forResponse(envelope, after, startingAfter), response);
      return null;
    }
    return answer(snapshot(run, envelope, after).response());
  }

  /** Stops a background Response; its Response, {@code cancelled} once the run has stopped. */
  @PostMapping(ResponsesFace.CANCEL_PATH)
  public ResponseEntity<Object> cancel(@PathVariable String responseId) {
    Caller caller = callers.current();
    RunRow run = own(caller, responseId);
    long after = ResponseEnvelope.ref(responseId).orElseThrow().after();
    ResponseEnvelope envelope = envelope(run, after);
    if (!envelope.background()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_request",
          "Bad Request",
          "Only responses created with background=true can be cancelled.");
    }
    stopper.stop(run, "cancelled");
    long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
    RunRow now = run;
    while (!now.status().terminal() && System.nanoTime() < deadline) {
      pause();
      now = runs.find(run.id()).orElse(now);
    }
    return answer(snapshot(now, envelope, after).response());
  }

  private RunRow admitted(Caller caller, AdmittedRun admitted) {
    return runs.find(caller.orgId(), admitted.runId())
        .orElseThrow(() -> ApiException.notFound("Run"));
  }

  /** The caller's Response (or, for an administrator, one of the organisation's); 404 else. */
  private RunRow own(Caller caller, String responseId) {
    return ResponseEnvelope.runId(responseId)
        .flatMap(id -> runs.find(caller.orgId(), id))
        .filter(run -> caller.mayActOn(run.userId()))
        .orElseThrow(() -> ResponsesFace.notFound(responseId));
  }

  private ResponseEnvelope envelope(RunRow run, long after) {
    ResponseEnvelope envelope = envelope(run);
    return envelope.after(run.id(), after, envelope.previousResponseId());
  }

  private ResponseEnvelope envelope(RunRow run) {
    JsonNode stored =
        run.userMessageId() == null
            ? null
            : messages
                .find(run.sessionId(), run.userMessageId())
                .map(message -> EventJson.MAPPER.readTree(message.metadataJson()))
                .orElse(null);
    return ResponseEnvelope.read(run, stored);
  }

  /**
   * The Response as it stands: an ended run's read to its end, a live one's as far as it has come.
   */
  private ResponseState snapshot(RunRow run, ResponseEnvelope envelope, long after) {
    if (run.held()) {
      return new ResponseState(envelope, "queued", after);
    }
    return collect(run, envelope, after, run.status().terminal());
  }

  /**
   * Reads the run from its start as the Response after {@code after}: until the Response ends
   * ({@code wait}: waiting for it) or, without {@code wait}, as far as the run has come.
   */
  private ResponseState collect(RunRow run, ResponseEnvelope envelope, long after, boolean wait) {
    ResponseState state =
        new ResponseState(
            envelope, run.status() == RunStatus.QUEUED ? "queued" : "in_progress", after);
    RunReader.Opened opened = reader.open(run, run.seqBase() - 1, null);
    if (opened != null) {
      reader.read(
          opened,
          new Delivery() {
            @Override
            public void chunk(HotChunk chunk) throws IOException {
              state.apply(chunk.chunk());
              if (state.ended()) {
                throw new IOException("The Response is complete");
              }
            }

            @Override
            public void flush() {}

            @Override
            public void idle() {}

            @Override
            public void caughtUp() throws IOException {
              if (!wait) {
                throw new IOException("The Response as far as its run has come");
              }
            }
          },
          null);
    }
    return state;
  }

  /** A run enqueued behind its session's live run has no chunks until it is released. */
  private RunRow waitReleased(RunRow run) {
    RunRow now = run;
    while (now.held()) {
      pause();
      now = runs.find(run.id()).orElse(now);
    }
    return now;
  }

  private static ResponseEntity<Object> answer(ObjectNode body) {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
  }

  private static boolean flag(String value, String param) {
    if (value == null || value.isEmpty() || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw ResponsesFace.invalid(param, "must be true or false");
  }

  private static Long cursor(String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ResponsesFace.invalid("starting_after", "must be a non-negative integer");
    }
    return Long.parseLong(value);
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE, "interrupted", "Service Unavailable", "Interrupted.");
    }
  }
}
