package io.runstream.fanout.genie;

import io.runstream.admission.RequestFields;
import io.runstream.admission.RunInput;
import io.runstream.admission.RunRequestMapper;
import io.runstream.admission.routing.ModelRouting;
import io.runstream.core.face.GenieFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.OnboardingStore;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The genie face's request mapper (seed 000, docs/faces/genie.md): {@code {message*, sessionId?}}
 * in the seed's errors (400 {@code message required}, 503 for a token without organisation); {@code
 * sessionId} (default {@code genie-<sub>}) names the user's conversation. Before a run, the
 * onboarding gate ({@link #gate}); administrators (the {@code admin} claim) with an admin routing
 * rule run on the admin route ({@code runstream.routing}, its own prompt replacing genie's), nobody
 * else does, whatever the request says.
 */
@Component
public class GenieRequests implements RunRequestMapper<GenieRequests.GenieRequest> {
  static final int MAX_SESSION_ID = 200;

  private final CallerResolver callers;
  private final RequestFields fields;
  private final ModelRouting routing;
  private final OnboardingStore onboarding;
  private final String instructions;

  public GenieRequests(
      CallerResolver callers,
      RequestFields fields,
      ModelRouting routing,
      OnboardingStore onboarding,
      @Value(
              "${runstream.genie.instructions:You are Genie, a creator's assistant. Use the user's context to write in their voice. To act, write an action tag [ACTION:slug:{json}] with one of the flows scout-analyze, taxonomy-tag, post-create, message-generate, memory-recall, media-process.}")
          String instructions) {
    this.callers = callers;
    this.fields = fields;
    this.routing = routing;
    this.onboarding = onboarding;
    this.instructions = instructions;
  }

  /**
   * A validated chat request: who asks, the message, the conversation's key, and the body (for the
   * fields read only when a run starts: {@code simulation}).
   */
  public record GenieRequest(Caller caller, String text, String sessionKey, JsonNode body) {}

  @Override
  public String face() {
    return GenieFace.ID;
  }

  /** Reads and validates the chat POST's body, in the seed's errors. */
  public GenieRequest read(JsonNode body) {
    JsonNode message = body == null ? null : body.get("message");
    if (message == null || !message.isString() || message.asString().isBlank()) {
      throw GenieFace.messageRequired();
    }
    // Length (docs/faces/README.md: at most 20,000 characters) and NUL, in the face's dialect.
    String text = fields.messageText(body, "message");
    if (SecurityContextHolder.getContext().getAuthentication()
        instanceof JwtAuthenticationToken token) {
      Object org = token.getToken().getClaim("org");
      if (org == null || org.toString().isBlank()) {
        throw GenieFace.setupIncomplete();
      }
    }
    Caller caller = callers.current();
    return new GenieRequest(caller, text, sessionKey(body, caller), body);
  }

  /** The onboarding gate's message, when the user's phase is set and not complete. */
  public Optional<String> gate(Caller caller) {
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

  /**
   * True if the caller runs on the admin route: an administrator, and a rule made for
   * administrators.
   */
  public boolean adminRoute(Caller caller) {
    return caller.admin()
        && routing
            .route(caller, null)
            .filter(rule -> Boolean.TRUE.equals(rule.admin()))
            .isPresent();
  }

  /** The run: genie's prompt, unless the admin route's own replaces it. */
  @Override
  public RunInput input(Caller caller, GenieRequest request) {
    return RunInput.builder(request.text())
        .instructions(adminRoute(caller) ? null : instructions)
        .simulation(fields.simulation(request.body(), "simulation"))
        .extras(extras -> extras.face(GenieFace.ID, request.sessionKey()))
        .build();
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
