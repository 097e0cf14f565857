package io.runstream.fanout.agui;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.admission.control.RunStopper;
import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.agui.AgUiRequests.AgUiRequest;
import io.runstream.fanout.sse.ResumePoint;
import io.runstream.fanout.sse.SseStream;
import io.runstream.schemas.EventJson;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/ag-ui} ({@code docs/faces/ag-ui.md}): AG-UI's {@code RunAgentInput}, read by
 * {@link AgUiRequests}; the answer is the run's SSE stream in AG-UI's events ({@link
 * AgUiRenderer}). A {@code runId} the caller already ran in that thread is not run again: its run
 * is answered from its first event (a replay, or the live run read once more). An input that ends
 * with tool messages answers the frontend tool calls the thread's run waits for: the answer is that
 * run's continuation, as a new AG-UI run. Runstream's extension: the same POST with {@code
 * Last-Event-ID} answers the thread's events after that id (from the run that has them), 204 when
 * there are none.
 */
@RestController
public class AgUiController {
  private final RunAdmission admission;
  private final AgUiRequests requests;
  private final AgUiRuns clientRuns;
  private final RunStore runs;
  private final SseStream stream;
  private final AgUiRenderer renderer;
  private final RunStopper stopper;

  public AgUiController(
      RunAdmission admission,
      AgUiRequests requests,
      AgUiRuns clientRuns,
      RunStore runs,
      SseStream stream,
      AgUiRenderer renderer,
      RunStopper stopper) {
    this.admission = admission;
    this.requests = requests;
    this.clientRuns = clientRuns;
    this.runs = runs;
    this.stream = stream;
    this.renderer = renderer;
    this.stopper = stopper;
  }

  @PostMapping(AgUiFace.RUN_PATH)
  public void run(
      @RequestBody(required = false) JsonNode body,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    AgUiRequest input = requests.read(body);
    Caller caller = input.caller();
    Long resume = ResumePoint.parse(request);
    boolean compact = ResumePoint.compact(request);
    Optional<RunRow> named = stream.named(caller, request);
    if (named.isPresent()) {
      serve(caller, input, named.get(), resume, compact, response);
      return;
    }
    if (resume != null) {
      Optional<RunRow> run =
          clientRuns
              .thread(caller, input.threadId())
              .flatMap(id -> runs.firstEndingAfter(id, resume).or(() -> runs.latest(id)));
      if (run.isEmpty()) {
        response.setStatus(HttpStatus.NO_CONTENT.value());
        return;
      }
      long after = Math.max(resume, run.get().seqBase() - 1);
      serve(caller, input, run.get(), after, compact, response);
      return;
    }
    if (input.answersTools()) {
      answer(caller, input, compact, response);
      return;
    }
    Optional<RunRow> existing = clientRuns.find(caller, input.threadId(), input.runId());
    if (existing.isPresent()) {
      serve(caller, input, existing.get(), null, compact, response);
      return;
    }
    RunInput run = requests.input(caller, input);
    // The stream is taken before the run starts: a 429 must not leave a run that nobody reads.
    try (var reserved = stream.reserve(caller)) {
      AdmittedRun admitted = admission.admit(caller, run);
      RunRow row =
          runs.find(caller.orgId(), admitted.runId())
              .orElseThrow(() -> ApiException.notFound("Run"));
      response.setHeader("X-Run-Id", row.id().toString());
      AgUiEnding ending = new AgUiEnding();
      stream.serve(
          row,
          null,
          compact,
          renderer.bind(input.threadId(), input.runId(), null, ending),
          ending.wrap(response),
          reserved);
    }
  }

  /** A run already started, read again after {@code after} (null: from its first event). */
  private void serve(
      Caller caller,
      AgUiRequest input,
      RunRow run,
      Long after,
      boolean compact,
      HttpServletResponse response)
      throws IOException {
    response.setHeader("X-Run-Id", run.id().toString());
    AgUiEnding ending = new AgUiEnding();
    stream.serve(
        caller,
        run,
        after,
        compact,
        renderer.bind(input.threadId(), input.runId(), after, ending),
        ending.wrap(response));
  }

  /**
   * Frontend tools' results (the input ends with tool messages): delivered to the thread's run that
   * waits for them, whose continuation is the answer, a new AG-UI run ({@code runId}) from after
   * those calls. 409 {@code no_pending_tool_call} when the thread's run waits for none of them.
   */
  private void answer(
      Caller caller, AgUiRequest input, boolean compact, HttpServletResponse response)
      throws IOException {
    RunRow run =
        clientRuns
            .thread(caller, input.threadId())
            .flatMap(runs::latest)
            .filter(latest -> !latest.status().terminal())
            .orElseThrow(AgUiController::noPendingCall);
    Set<String> answered = new LinkedHashSet<>();
    for (AgUiRequests.ToolAnswer answer : input.answers()) {
      if (clientRuns.pending(run, answer.toolCallId())) {
        stopper.sendToolResult(
            run,
            answer.toolCallId(),
            EventJson.MAPPER.getNodeFactory().stringNode(answer.content()));
        answered.add(answer.toolCallId());
      }
    }
    if (answered.isEmpty()) {
      throw noPendingCall();
    }
    response.setHeader("X-Run-Id", run.id().toString());
    AgUiEnding ending = new AgUiEnding();
    stream.serve(
        caller,
        run,
        null,
        compact,
        renderer.continuation(input.threadId(), input.runId(), answered, ending),
        ending.wrap(response));
  }

  private static ApiException noPendingCall() {
    return new ApiException(
        HttpStatus.CONFLICT,
        "no_pending_tool_call",
        "Conflict",
        "The thread's run is not waiting for the results of these tool calls.");
  }
}
