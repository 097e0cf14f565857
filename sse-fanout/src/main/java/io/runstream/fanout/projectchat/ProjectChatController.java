package io.runstream.fanout.projectchat;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.core.face.ProjectChatFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.projectchat.ProjectChatRequests.ChatRequest;
import io.runstream.fanout.sse.FaceRenderer;
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

/**
 * Project chat (seed 002, docs/faces/project-chat.md): {@code POST /api/v1/chat/stream} and the
 * legacy {@code POST /api/v1/chat/generate} answer with the run's stream; {@code POST
 * /api/v1/chat/message} is deprecated (400). The request is read, validated and mapped to a run by
 * {@link ProjectChatRequests}. A client whose stream dropped sends the same POST again with {@code
 * Last-Event-ID}: no new run, the conversation's events after that id. {@code X-Run-Id} names the
 * run.
 */
@RestController
public class ProjectChatController {
  private final CallerResolver callers;
  private final RunAdmission admission;
  private final ProjectChatRequests requests;
  private final RunStore runs;
  private final SseStream stream;
  private final ProjectChatRenderer renderer;
  private final LegacyGenerateRenderer legacy;

  public ProjectChatController(
      CallerResolver callers,
      RunAdmission admission,
      ProjectChatRequests requests,
      RunStore runs,
      SseStream stream,
      ProjectChatRenderer renderer,
      LegacyGenerateRenderer legacy) {
    this.callers = callers;
    this.admission = admission;
    this.requests = requests;
    this.runs = runs;
    this.stream = stream;
    this.renderer = renderer;
    this.legacy = legacy;
  }

  @PostMapping("/api/v1/chat/stream")
  public void stream(
      @RequestBody(required = false) String raw,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    ChatRequest chat = requests.read(raw, true);
    Caller caller = callers.current();
    Long resume = ResumePoint.parse(request);
    boolean compact = ResumePoint.compact(request);
    Optional<RunRow> named = stream.named(caller, request);
    if (named.isPresent()) {
      response.setHeader(SseStream.RUN_HEADER, named.get().id().toString());
      stream.serve(caller, named.get(), resume, compact, renderer, response);
      return;
    }
    if (resume != null) {
      stream.resume(
          caller, ProjectChatFace.ID, chat.conversationId(), resume, compact, renderer, response);
      return;
    }
    serve(caller, chat, compact, renderer, response);
  }

  @PostMapping("/api/v1/chat/generate")
  public void generate(
      @RequestBody(required = false) String raw,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    ChatRequest chat = requests.read(raw, false);
    serve(callers.current(), chat, ResumePoint.compact(request), legacy, response);
  }

  @PostMapping("/api/v1/chat/message")
  public void message() {
    throw new ApiException(
        HttpStatus.BAD_REQUEST,
        "deprecated",
        "Bad Request",
        "This endpoint is deprecated: use POST /api/v1/chat/stream, which answers with text/event-stream.");
  }

  private void serve(
      Caller caller,
      ChatRequest chat,
      boolean compact,
      FaceRenderer face,
      HttpServletResponse response)
      throws IOException {
    RunInput input = requests.input(caller, chat);
    // The stream is taken before the run starts: a 429 must not leave a run that nobody reads.
    try (var reserved = stream.reserve(caller)) {
      AdmittedRun admitted = admission.admit(caller, input);
      RunRow run =
          runs.find(caller.orgId(), admitted.runId())
              .orElseThrow(() -> ApiException.notFound("Run"));
      response.setHeader("X-Run-Id", run.id().toString());
      stream.serve(run, null, compact, face, response, reserved);
    }
  }
}
