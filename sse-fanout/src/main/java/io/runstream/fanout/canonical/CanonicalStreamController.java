package io.runstream.fanout.canonical;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Ids;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.sse.ResumePoint;
import io.runstream.fanout.sse.SseExchange;
import io.runstream.fanout.sse.SseStream;
import io.runstream.fanout.stream.RunRows;
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
 * The canonical face's streams (docs/faces/README.md and docs/faces/canonical.md): a session's
 * latest run and a run by id, resumable with {@code Last-Event-ID} or {@code ?after=}; 204 once the
 * reader has the run's last event.
 */
@RestController
public class CanonicalStreamController {
  private final CallerResolver callers;
  private final RunStore runs;
  private final SseStream stream;
  private final CanonicalRenderer renderer;
  private final FanoutProperties properties;
  private final RunRows rows;

  public CanonicalStreamController(
      CallerResolver callers,
      RunStore runs,
      SseStream stream,
      CanonicalRenderer renderer,
      FanoutProperties properties,
      RunRows rows) {
    this.rows = rows;
    this.callers = callers;
    this.runs = runs;
    this.stream = stream;
    this.renderer = renderer;
    this.properties = properties;
  }

  /** The session's latest run. */
  @GetMapping("/api/v1/sessions/{sessionId}/stream")
  public void session(
      @PathVariable String sessionId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    UUID id = sessionOf(caller, sessionId);
    session(
        caller,
        id,
        ResumePoint.parse(request),
        ResumePoint.compact(request),
        SseExchange.of(response));
  }

  /**
   * The session of this id of the caller's organisation (400 for a malformed id, 404 for another's
   * or an unknown one): checked before the resume point, as the regular way's answers have it.
   */
  public UUID sessionOf(Caller caller, String sessionId) {
    UUID id = Ids.parse(sessionId, "Session");
    if (!rows.sessionExists(caller.orgId(), id)) {
      throw ApiException.notFound("Session");
    }
    return id;
  }

  /**
   * The session's latest run, for {@code caller}, after {@code after} (null: from its start); also
   * {@link DirectStreams}' way in.
   */
  public void session(Caller caller, UUID id, Long after, boolean compact, SseExchange response)
      throws IOException {
    if (after != null) {
      // A reader coming back to the session's live run, which this node holds: no database round
      // trip.
      Optional<RunRow> live = rows.liveRunFor(caller.orgId(), id, after);
      if (live.isPresent()) {
        stream.serve(caller, live.get(), after, compact, renderer, response);
        return;
      }
    }
    Optional<RunRow> latest = runs.latest(id);
    if (latest.isEmpty()) {
      response.status(HttpStatus.NO_CONTENT.value());
      return;
    }
    RunRow run = latest.get();
    if (after != null && after < run.seqBase() - 1) {
      // The reader is behind the latest run: finish the run it was reading first (its next
      // reconnect gets the next).
      run = runs.firstEndingAfter(id, after).orElse(run);
    }
    if (after != null
        && run.status().terminal()
        && run.lastSeq() != null
        && after >= run.lastSeq()) {
      // The reader has all of the latest run; a run enqueued behind it (double-texting, ADR 0016)
      // is next: its ids
      // follow. It is served as soon as it is released (checked again after: it may have been
      // released meanwhile).
      Optional<RunRow> next = runs.nextHeld(id);
      if (next.isPresent()) {
        RunRow again = runs.latest(id).orElse(run);
        run = again.id().equals(run.id()) ? next.get() : again;
      }
    }
    if (after == null && run.status().terminal()) {
      Instant end = run.finishedAt() == null ? run.createdAt() : run.finishedAt();
      if (end.plus(properties.replayWindow()).isBefore(Instant.now())) {
        response.status(HttpStatus.NO_CONTENT.value());
        return;
      }
    }
    stream.serve(caller, run, after, compact, renderer, response);
  }

  /** A run by id, from its first event unless resumed. */
  @GetMapping("/api/v1/runs/{runId}/stream")
  public void run(
      @PathVariable String runId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    RunRow run = runOf(caller, runId);
    run(
        caller,
        run,
        ResumePoint.parse(request),
        ResumePoint.compact(request),
        SseExchange.of(response));
  }

  /** The run of this id of the caller's organisation (400 for a malformed id, 404 otherwise). */
  public RunRow runOf(Caller caller, String runId) {
    return rows.find(caller.orgId(), Ids.parse(runId, "Run"))
        .orElseThrow(() -> ApiException.notFound("Run"));
  }

  /**
   * A run for {@code caller}, after {@code after} (null: from its start); also {@link
   * DirectStreams}' way in.
   */
  public void run(Caller caller, RunRow run, Long after, boolean compact, SseExchange response)
      throws IOException {
    stream.serve(caller, run, after, compact, renderer, response);
  }
}
