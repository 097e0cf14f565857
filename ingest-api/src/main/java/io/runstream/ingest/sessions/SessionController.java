package io.runstream.ingest.sessions;

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
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionRow;
import io.runstream.core.store.SessionStore;
import io.runstream.core.time.Timestamps;
import io.runstream.ingest.Links;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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

/** The canonical sessions face: docs/faces/canonical.md. */
@RestController
@RequestMapping(path = "/api/v1/sessions", produces = MediaType.APPLICATION_JSON_VALUE)
public class SessionController {
  private static final int DEFAULT_PAGE_SIZE = 50;

  private final CallerResolver callers;
  private final RunAdmission admission;
  private final RequestFields fields;
  private final SessionStore sessions;
  private final MessageStore messages;
  private final SessionViews views;
  private final Links links;
  private final ApiLimits limits;
  private final AdmissionProperties properties;
  private final RunStore runs;
  private final RunStopper stopper;

  public SessionController(
      CallerResolver callers,
      RunAdmission admission,
      RequestFields fields,
      SessionStore sessions,
      MessageStore messages,
      SessionViews views,
      Links links,
      ApiLimits limits,
      AdmissionProperties properties,
      RunStore runs,
      RunStopper stopper) {
    this.runs = runs;
    this.stopper = stopper;
    this.callers = callers;
    this.admission = admission;
    this.fields = fields;
    this.sessions = sessions;
    this.messages = messages;
    this.views = views;
    this.links = links;
    this.limits = limits;
    this.properties = properties;
  }

  /** Creates a session with its first user message and starts the agent's reply. */
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> create(@RequestBody JsonNode raw) {
    Caller caller = callers.current();
    JsonNode body = fields.object(raw);
    RunInput input =
        fields.runInput(body, null, "text", true, false, properties.defaultModelProvider());
    AdmittedRun run = admission.admit(caller, input);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("uuid", run.sessionId());
    answer.put("url", links.session(run.sessionId()));
    answer.put("title", run.title());
    answer.put("stream_url", links.sessionStream(run.sessionId()));
    answer.put("messages_url", links.messages(run.sessionId()));
    answer.put("message_uuid", run.agentMessageId());
    answer.put("run_uuid", run.runId());
    return ResponseEntity.status(HttpStatus.CREATED).body(answer);
  }

  /** The caller's sessions, newest first. */
  @GetMapping
  public Map<String, Object> list(
      @RequestParam(name = "page", required = false) String page,
      @RequestParam(name = "page_size", required = false) String pageSize) {
    Caller caller = callers.current();
    PageRequest request =
        PageRequest.parse(page, pageSize, DEFAULT_PAGE_SIZE, limits.maxPageSize());
    long count = sessions.countForUser(caller.orgId(), caller.userId());
    var results =
        sessions
            .listForUser(caller.orgId(), caller.userId(), request.offset(), request.size())
            .stream()
            .map(views::session)
            .toList();
    return request.answer(links.base() + "/api/v1/sessions", count, results);
  }

  /** One session of the caller's organisation. */
  @GetMapping("/{sessionId}")
  public Map<String, Object> get(@PathVariable String sessionId) {
    return views.session(session(callers.current(), sessionId));
  }

  /**
   * Posts a follow-up user message and starts the agent's reply. While a run of the session is
   * live, {@code multitask_strategy} (default {@code runstream.ingest.multitask-strategy}) decides:
   * 409, enqueue, interrupt or rollback (ADR 0016).
   */
  @PostMapping(path = "/{sessionId}/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> post(
      @PathVariable String sessionId, @RequestBody JsonNode raw) {
    Caller caller = callers.current();
    UUID id = Ids.parse(sessionId, "Session");
    JsonNode body = fields.object(raw);
    RunInput input =
        fields.runInput(body, id, "text", false, false, properties.defaultModelProvider());
    var strategy =
        fields.multitaskStrategy(body, "multitask_strategy", properties.defaultMultitaskStrategy());
    AdmittedRun run = admission.admit(caller, input, strategy);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("uuid", run.agentMessageId());
    answer.put("stream_url", links.sessionStream(run.sessionId()));
    answer.put("run_uuid", run.runId());
    return ResponseEntity.status(HttpStatus.CREATED).body(answer);
  }

  /** The session's transcript, oldest first, paginated. */
  @GetMapping("/{sessionId}/messages")
  public Map<String, Object> messages(
      @PathVariable String sessionId,
      @RequestParam(name = "page", required = false) String page,
      @RequestParam(name = "page_size", required = false) String pageSize) {
    SessionRow session = session(callers.current(), sessionId);
    PageRequest request =
        PageRequest.parse(page, pageSize, DEFAULT_PAGE_SIZE, limits.maxPageSize());
    long count = messages.count(session.id());
    var results =
        messages.list(session.id(), request.offset(), request.size()).stream()
            .map(views::message)
            .toList();
    return request.answer(links.messages(session.id()), count, results);
  }

  /** Creates or replaces the feedback on an agent message; 400 on a user message. */
  @PostMapping(
      path = "/{sessionId}/messages/{messageId}/feedback",
      consumes = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> feedback(
      @PathVariable String sessionId, @PathVariable String messageId, @RequestBody JsonNode raw) {
    SessionRow session = ownSession(callers.current(), sessionId);
    var message =
        messages
            .find(session.id(), Ids.parse(messageId, "Message"))
            .orElseThrow(() -> ApiException.notFound("Message"));
    JsonNode body = fields.object(raw);
    String rating = fields.optionalText(body, "rating", 20);
    if (rating == null || !(rating.equals("positive") || rating.equals("negative"))) {
      throw ApiException.invalid("rating", "must be positive or negative");
    }
    String text = fields.optionalText(body, "body", limits.maxTextChars());
    if (!"agent".equals(message.senderRole())) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "feedback_on_user_message",
          "Bad Request",
          "Feedback is for agent messages only.",
          Map.of("errors", List.of(Map.of("field", "message_uuid", "reason", "is a user message"))),
          Map.of());
    }
    Instant at = messages.putFeedback(message.id(), session.id(), rating, text, Timestamps.now());
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("url", links.feedback(session.id(), message.id()));
    answer.put("session_uuid", session.id());
    answer.put("message_uuid", message.id());
    answer.put("rating", rating);
    answer.put("body", text);
    answer.put("created_at", Timestamps.format(at));
    return answer;
  }

  /** Stops the session's live run; {@code stopped} says whether there was one to stop. */
  @PostMapping("/{sessionId}/stream/stop")
  public Map<String, Object> stop(@PathVariable String sessionId) {
    SessionRow session = ownSession(callers.current(), sessionId);
    boolean stopped =
        runs.latest(session.id())
            .map(run -> stopper.stop(run, "stopped by the user"))
            .orElse(false);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("uuid", session.id());
    answer.put("stopped", stopped);
    return answer;
  }

  /**
   * A session the caller may act on (stop its run, rate its messages): its owner's or, for an
   * administrator, any of the organisation's; 404 otherwise, as for another organisation's session.
   */
  private SessionRow ownSession(Caller caller, String sessionId) {
    SessionRow session = session(caller, sessionId);
    if (!caller.mayActOn(session.userId())) {
      throw ApiException.notFound("Session");
    }
    return session;
  }

  private SessionRow session(Caller caller, String sessionId) {
    UUID id = Ids.parse(sessionId, "Session");
    return sessions.find(caller.orgId(), id).orElseThrow(() -> ApiException.notFound("Session"));
  }
}
