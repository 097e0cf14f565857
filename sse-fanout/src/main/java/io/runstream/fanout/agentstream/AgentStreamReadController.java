package io.runstream.fanout.agentstream;

import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.sse.ResumePoint;
import io.runstream.fanout.sse.SseStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /ai/stream/{streamId}} (seed 001): the run the POST started, from its first event or
 * after {@code Last-Event-ID}, to any number of readers. {@code orgid} comes as a header or, for
 * {@code EventSource}, as {@code ?orgid=} (with the JWT in the cookie); it must name the token's
 * organisation (403). An unknown stream id, or one past the stream's time to live, answers 404.
 */
@RestController
public class AgentStreamReadController {
  private final CallerResolver callers;
  private final RunStore runs;
  private final SseStream stream;
  private final AgentStreamRenderer renderer;
  private final FanoutProperties properties;

  public AgentStreamReadController(
      CallerResolver callers,
      RunStore runs,
      SseStream stream,
      AgentStreamRenderer renderer,
      FanoutProperties properties) {
    this.callers = callers;
    this.runs = runs;
    this.stream = stream;
    this.renderer = renderer;
    this.properties = properties;
  }

  @GetMapping(AgentStreamFace.STREAM_PATH)
  public void stream(
      @PathVariable String streamId, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Caller caller = callers.current();
    String orgid = request.getHeader(AgentStreamFace.ORG_HEADER);
    AgentStreamFace.checkOrganisation(
        caller, orgid != null ? orgid : request.getParameter(AgentStreamFace.ORG_HEADER));
    UUID id = parse(streamId);
    if (id == null) {
      throw unknown();
    }
    RunRow run = runs.find(caller.orgId(), id).orElseThrow(AgentStreamReadController::unknown);
    if (expired(run, Instant.now())) {
      throw unknown();
    }
    stream.serve(
        caller, run, ResumePoint.parse(request), ResumePoint.compact(request), renderer, response);
  }

  /**
   * Past the stream's time to live: created longer ago than {@code agent-stream-ttl} and, if it ran
   * longer than that, ended longer ago than that too (a live run never expires under its readers).
   */
  boolean expired(RunRow run, Instant now) {
    Instant created = run.createdAt().plus(properties.agentStreamTtl());
    if (!created.isBefore(now)) {
      return false;
    }
    if (!run.status().terminal()) {
      return false;
    }
    Instant ended = run.finishedAt() == null ? run.createdAt() : run.finishedAt();
    return ended.plus(properties.agentStreamTtl()).isBefore(now);
  }

  private static UUID parse(String streamId) {
    try {
      return streamId.length() == 36 ? UUID.fromString(streamId) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static ApiException unknown() {
    return new ApiException(
        HttpStatus.NOT_FOUND,
        "stream_not_found",
        "Not Found",
        "No such stream: it never existed or it has expired.");
  }
}
