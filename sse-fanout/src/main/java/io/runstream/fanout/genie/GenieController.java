package io.runstream.fanout.genie;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.admission.routing.ModelRouting;
import io.runstream.core.face.GenieFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.OnboardingStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.fanout.sse.ResumePoint;
import io.runstream.fanout.sse.SseStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/genie/stream-chat} (seed 000, API.md §7): {@code {message*, sessionId?}}; the
 * answer is the run's SSE stream in the genie rendering. {@code sessionId} (default {@code
 * genie-<sub>}) names the user's conversation, kept across requests. Before a run starts, the
 * onboarding gate: a user whose phase is set and not {@code COMPLETE} gets one {@code textResponse}
 * that closes the stream. Administrators (the {@code admin} claim) run on the admin route ({@code
 * runstream.routing}, e.g. Anthropic with its own prompt); nobody else does, whatever the request
 * says, and their answers carry {@code X-Genie-Backend}. A client whose connection dropped sends
 * the same POST again with {@code Last-Event-ID}: it gets the conversation's events after that id
 * (no new run), or 204 when it had them all.
 */
@RestController
public class GenieController {
  static final int MAX_SESSION_ID = 200;

  private final CallerResolver callers;
  private final RunAdmission admission;
  private final RequestFields fields;
  private final ModelRouting routing;
  private final RunStore runs;
  private final OnboardingStore onboarding;
  private final SseStream stream;
  private final GenieRenderer renderer;
  private final String instructions;

  public GenieController(
      CallerResolver callers,
      RunAdmission admission,
      RequestFields fields,
      ModelRouting routing,
      RunStore runs,
      OnboardingStore onboarding,
      SseStream stream,
      GenieRenderer renderer,
      @Value(
              "${runstream.genie.instructions:You are Genie, a creator's assistant. Use the user's context to write in their voice. To act, write an action tag [ACTION:slug:{json}] with one of the flows scout-analyze, taxonomy-tag, post-create, message-generate, memory-recall, media-process.}")
          String instructions) {
    this.callers = callers;
    this.admission = admission;
    this.fields = fields;
    this.routing = routing;
    this.runs = runs;
    this.onboarding = onboarding;
    this.stream = stream;
    this.renderer = renderer;
    this.instructions = instructions;
  }

  @PostMapping(GenieFace.CHAT_PATH)
  public void chat(
      @RequestBody(required = false) JsonNode body,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    JsonNode message = body == null ? null : body.get("message");
    if (message == null || !message.isString() || message.asString().isBlank()) {
      throw GenieFace.messageRequired();
    }
    // Length (API.md §1: at most 20,000 characters) and NUL, in the face's dialect.
    String text = fields.messageText(body, "message");
    if (SecurityContextHolder.getContext().getAuthentication()
        instanceof JwtAuthenticationToken token) {
      Object org = token.getToken().getClaim("org");
      if (org == null || org.toString().isBlank()) {
        throw GenieFace.setupIncomplete();
      }
    }
    Caller caller = callers.current();
    String sessionKey = sessionKey(body, caller);
    Long resume = ResumePoint.parse(request);
    boolean compact = ResumePoint.compact(request);
    if (resume != null && resume <= 0) {
      // Id 0 is the gate's single answer: a client reconnecting after it had everything.
      response.setStatus(HttpStatus.NO_CONTENT.value());
      return;
    }
    if (resume != null) {
      stream.resume(caller, GenieFace.ID, sessionKey, resume, compact, renderer, response);
      return;
    }
    Optional<String> gate = gate(caller);
    if (gate.isPresent()) {
      stream.single(response, GenieRenderer.gated(gate.get()));
      return;
    }
    // The admin route: an administrator, and a rule made for administrators (its own prompt
    // replaces genie's).
    boolean adminRoute =
        caller.admin()
            && routing
                .route(caller, null)
                .filter(rule -> Boolean.TRUE.equals(rule.admin()))
                .isPresent();
    RunInput input =
        new RunInput(
            null,
            text,
            null,
            null,
            null,
            adminRoute ? null : instructions,
            null,
            fields.simulation(body, "simulation"),
            new RunInput.Extras(
                GenieFace.ID,
                sessionKey,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
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

  /** The onboarding gate's message, when the user's phase is set and not complete. */
  private Optional<String> gate(Caller caller) {
    return onboarding
        .find(caller.orgId(), caller.userId())
        .flatMap(
            state ->
                switch (state.phase()) {
                  case "EXTENSION_INSTALL", "DATA_COLLECTION" ->
                      Optional.of(
                          "Before I can generate content for you, I need to learn how you operate. Head to the Setup tab to finish "
                              + "onboarding: install the browser extension and connect your platforms.");
                  case "PROCESSING" ->
                      Optional.of(
                          "I'm still learning how you operate: "
                              + state.sourcesIngested()
                              + " / "
                              + state.sourcesRequired()
                              + " sources processed. I'll be ready as soon as processing completes.");
                  default -> Optional.empty();
                });
  }

  private static String sessionKey(JsonNode body, Caller caller) {
    JsonNode sessionId = body.get("sessionId");
    if (sessionId == null || sessionId.isNull()) {
      return "genie-" + caller.subject();
    }
    if (!sessionId.isString()
        || sessionId.asString().isBlank()
        || sessionId.asString().length() > MAX_SESSION_ID
        || sessionId.asString().chars().anyMatch(Character::isISOControl)) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_session_id",
          "Bad Request",
          "sessionId must be a string of 1 to " + MAX_SESSION_ID + " characters");
    }
    return sessionId.asString();
  }
}
