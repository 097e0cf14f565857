package io.runstream.fanout.responses;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.admission.control.RunStopper;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.responses.ResponsesRequests.ResponseRequest;
import io.runstream.fanout.sse.SseStream;
import io.runstream.fanout.stream.Delivery;
import io.runstream.fanout.stream.RunReader;
import io.runstream.schemas.EventJson;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
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

  private final CallerResolver callers;
  private final RunAdmission admission;
  private final ResponsesRequests requests;
  private final RunStore runs;
  private final MessageStore messages;
  private final SseStream stream;
  private final RunReader reader;
  private final RunStopper stopper;
  private final ResponsesRenderer renderer;

  public ResponsesController(
      CallerResolver callers,
      RunAdmission admission,
      ResponsesRequests requests,
      RunStore runs,
      MessageStore messages,
      SseStream stream,
      RunReader reader,
      RunStopper stopper,
      ResponsesRenderer renderer) {
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
            renderer.forResponse(request.envelope().of(run), null),
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
    return answer(collect(waitReleased(run), envelope).response());
  }

  /** A Response as it stands, or its events with {@code ?stream=true}. */
  @GetMapping(ResponsesFace.RESPONSE_PATH)
  public ResponseEntity<Object> retrieve(
      @PathVariable String responseId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    RunRow run = own(caller, responseId);
    boolean streamed = flag(request.getParameter("stream"), "stream");
    Long startingAfter = cursor(request.getParameter("starting_after"));
    ResponseEnvelope envelope = envelope(run);
    if (streamed) {
      response.setHeader("X-Run-Id", run.id().toString());
      stream.serve(
          caller, run, null, false, renderer.forResponse(envelope, startingAfter), response);
      return null;
    }
    return answer(snapshot(run, envelope).response());
  }

  /** Stops a background Response; its Response, {@code cancelled} once the run has stopped. */
  @PostMapping(ResponsesFace.CANCEL_PATH)
  public ResponseEntity<Object> cancel(@PathVariable String responseId) {
    Caller caller = callers.current();
    RunRow run = own(caller, responseId);
    ResponseEnvelope envelope = envelope(run);
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
    return answer(snapshot(now, envelope).response());
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

  /** The Response of an ended run, read whole; of a live one its status alone. */
  private ResponseState snapshot(RunRow run, ResponseEnvelope envelope) {
    if (run.status().terminal()) {
      return collect(run, envelope);
    }
    return new ResponseState(
        envelope, run.status() == RunStatus.QUEUED || run.held() ? "queued" : "in_progress");
  }

  /** Reads the run from its start to its end (waiting for it), as a Response. */
  private ResponseState collect(RunRow run, ResponseEnvelope envelope) {
    ResponseState state = new ResponseState(envelope, "in_progress");
    RunReader.Opened opened = reader.open(run, run.seqBase() - 1, null);
    if (opened != null) {
      reader.read(
          opened,
          new Delivery() {
            @Override
            public void chunk(HotChunk chunk) {
              state.apply(chunk.chunk());
            }

            @Override
            public void flush() {}

            @Override
            public void idle() {}
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
