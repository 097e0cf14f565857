package io.runstream.fanout.genie;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.core.face.GenieFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.genie.GenieRequests.GenieRequest;
import io.runstream.fanout.sse.ResumePoint;
import io.runstream.fanout.sse.SseStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/genie/stream-chat} (seed 000, docs/faces/genie.md): the answer is the run's SSE
 * stream in the genie rendering. The request is read, gated (onboarding) and mapped to a run by
 * {@link GenieRequests}; a gated user gets one {@code textResponse} that closes the stream. Answers
 * on the admin route carry {@code X-Genie-Backend}. A client whose connection dropped sends the
 * same POST again with {@code Last-Event-ID}: it gets the conversation's events after that id (no
 * new run), or 204 when it had them all.
 */
@RestController
public class GenieController {
  private final RunAdmission admission;
  private final GenieRequests requests;
  private final RunStore runs;
  private final SseStream stream;
  private final GenieRenderer renderer;

  public GenieController(
      RunAdmission admission,
      GenieRequests requests,
      RunStore runs,
      SseStream stream,
      GenieRenderer renderer) {
    this.admission = admission;
    this.requests = requests;
    this.runs = runs;
    this.stream = stream;
    this.renderer = renderer;
  }

  @PostMapping(GenieFace.CHAT_PATH)
  public void chat(
      @RequestBody(required = false) JsonNode body,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    GenieRequest chat = requests.read(body);
    Caller caller = chat.caller();
    Long resume = ResumePoint.parse(request);
    boolean compact = ResumePoint.compact(request);
    Optional<RunRow> named = stream.named(caller, request);
    if (named.isPresent()) {
      response.setHeader(SseStream.RUN_HEADER, named.get().id().toString());
      stream.serve(caller, named.get(), resume, compact, renderer, response);
      return;
    }
    if (resume != null && resume <= 0) {
      // Id 0 is the gate's single answer: a client reconnecting after it had everything.
      response.setStatus(HttpStatus.NO_CONTENT.value());
      return;
    }
    if (resume != null) {
      stream.resume(caller, GenieFace.ID, chat.sessionKey(), resume, compact, renderer, response);
      return;
    }
    Optional<String> gate = requests.gate(caller);
    if (gate.isPresent()) {
      stream.single(response, GenieRenderer.gated(gate.get()));
      return;
    }
    boolean adminRoute = requests.adminRoute(caller);
    RunInput input = requests.input(caller, chat);
    // The stream is taken before the run starts: a 429 must not leave a run that nobody reads.
    try (var reserved = stream.reserve(caller)) {
      AdmittedRun admitted = admission.admit(caller, input);
      RunRow run =
          runs.find(caller.orgId(), admitted.runId())
              .orElseThrow(() -> ApiException.notFound("Run"));
      if (adminRoute) {
        // Seed 000: the header tells the frontend that the admin backend answers.
        response.setHeader(GenieRenderer.BACKEND_HEADER, run.modelProvider());
      }
      stream.serve(run, null, compact, renderer, response, reserved);
    }
  }
}
