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
  private final java.util.concurrent.ConcurrentHashMap<UUID, Integer> streamsPerUser =
      new java.util.concurrent.ConcurrentHashMap<>();

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
    serve(caller, run, after, response);
  }

  /** A run by id, from its first event unless resumed. */
  @GetMapping("/api/v1/runs/{runId}/stream")
  public void run(@PathVariable String runId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    RunRow run = runs.find(caller.orgId(), Ids.parse(runId, "Run")).orElseThrow(() -> ApiException.notFound("Run"));
    serve(caller, run, ResumePoint.parse(request), response);
  }

  private void serve(Caller caller, RunRow run, Long after, HttpServletResponse response) throws IOException {
    Integer held = streamsPerUser.compute(caller.userId(), (id, count) -> count == null ? 1 : count + 1);
    if (held > properties.maxStreamsPerUser()) {
      release(caller.userId());
      throw new ApiException(
          HttpStatus.TOO_MANY_REQUESTS, "too_many_streams", "Too Many Requests",
          "At most " + properties.maxStreamsPerUser() + " live streams per user; close one first.",
          java.util.Map.of("retryAfter", 1), java.util.Map.of("Retry-After", "1"));
    }
    try {
      RunStreamWriter.Opened opened = writer.open(run, after == null ? run.seqBase() - 1 : after);
      if (opened == null) {
        response.setStatus(HttpStatus.NO_CONTENT.value());
        return;
      }
      stream(run, opened, response);
    } finally {
      release(caller.userId());
    }
  }

  private void release(UUID userId) {
    streamsPerUser.compute(userId, (id, count) -> count == null || count <= 1 ? null : count - 1);
  }

  private void stream(RunRow run, RunStreamWriter.Opened opened, HttpServletResponse response) throws IOException {
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
