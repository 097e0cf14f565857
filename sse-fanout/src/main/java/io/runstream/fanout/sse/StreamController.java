package io.runstream.fanout.sse;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Ids;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
import io.runstream.fanout.FanoutProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The canonical face's streams (API.md §2–§3): a session's latest run and a run by id, resumable with
 * {@code Last-Event-ID} or {@code ?after=}; 204 once the reader has the run's last event.
 */
@RestController
public class StreamController {
  private final CallerResolver callers;
  private final SessionStore sessions;
  private final RunStore runs;
  private final RunStreamWriter writer;
  private final FanoutProperties properties;

  public StreamController(
      CallerResolver callers,
      SessionStore sessions,
      RunStore runs,
      RunStreamWriter writer,
      FanoutProperties properties) {
    this.callers = callers;
    this.sessions = sessions;
    this.runs = runs;
    this.writer = writer;
    this.properties = properties;
  }

  /** The session's latest run. */
  @GetMapping("/api/v1/sessions/{sessionId}/stream")
  public void session(@PathVariable String sessionId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    UUID id = Ids.parse(sessionId, "Session");
    sessions.find(caller.orgId(), id).orElseThrow(() -> ApiException.notFound("Session"));
    Long after = ResumePoint.parse(request);
    Optional<RunRow> latest = runs.latest(id);
    if (latest.isEmpty()) {
      response.setStatus(HttpStatus.NO_CONTENT.value());
      return;
    }
    RunRow run = latest.get();
    if (after != null && after < run.seqBase() - 1) {
      // The reader is behind the latest run: finish the run it was reading first (its next reconnect gets the next).
      run = runs.firstEndingAfter(id, after).orElse(run);
    }
    if (after == null && run.status().terminal()) {
      Instant end = run.finishedAt() == null ? run.createdAt() : run.finishedAt();
      if (end.plus(properties.replayWindow()).isBefore(Instant.now())) {
        response.setStatus(HttpStatus.NO_CONTENT.value());
        return;
      }
    }
    serve(run, after, response);
  }

  /** A run by id, from its first event unless resumed. */
  @GetMapping("/api/v1/runs/{runId}/stream")
  public void run(@PathVariable String runId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    RunRow run = runs.find(caller.orgId(), Ids.parse(runId, "Run")).orElseThrow(() -> ApiException.notFound("Run"));
    serve(run, ResumePoint.parse(request), response);
  }

  private void serve(RunRow run, Long after, HttpServletResponse response) throws IOException {
    RunStreamWriter.Opened opened = writer.open(run, after == null ? run.seqBase() - 1 : after);
    if (opened == null) {
      response.setStatus(HttpStatus.NO_CONTENT.value());
      return;
    }
    response.setStatus(HttpStatus.OK.value());
    response.setContentType("text/event-stream");
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("Connection", "keep-alive");
    response.setHeader("X-Accel-Buffering", "no");
    response.setHeader("x-vercel-ai-ui-message-stream", "v1");
    response.setHeader("X-Model-Backend", run.modelProvider());
    writer.stream(opened, response.getOutputStream());
  }
}
