package io.runstream.ingest.genie;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.OnboardingStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The genie face's onboarding gate, managed by administrators (the {@code admin} claim): {@code PUT
 * /api/genie/admin/onboarding/{sub}} {@code {"phase", "sources_ingested", "sources_required"}} and
 * {@code GET} of the same path. A user with no phase set is not gated.
 */
@RestController
@RequestMapping(path = "/api/genie/admin/onboarding", produces = MediaType.APPLICATION_JSON_VALUE)
public class OnboardingController {
  private final CallerResolver callers;
  private final OnboardingStore onboarding;

  public OnboardingController(CallerResolver callers, OnboardingStore onboarding) {
    this.callers = callers;
    this.onboarding = onboarding;
  }

  @GetMapping("/{subject}")
  public Map<String, Object> get(@PathVariable("subject") String subject) {
    Caller admin = admin();
    UUID user = callers.userOf(admin.orgId(), subject);
    return onboarding
        .find(admin.orgId(), user)
        .map(state -> view(subject, state))
        .orElseGet(
            () -> {
              Map<String, Object> none = new LinkedHashMap<>();
              none.put("user", subject);
              none.put("phase", null);
              none.put("gated", false);
              return none;
            });
  }

  @PutMapping(path = "/{subject}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> put(
      @PathVariable("subject") String subject, @RequestBody JsonNode body) {
    Caller admin = admin();
    if (subject.isBlank()
        || subject.length() > 200
        || subject.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid("user", "must be a user's sub");
    }
    String phase =
        body != null && body.path("phase").isString() ? body.path("phase").asString() : null;
    if (phase == null || !OnboardingStore.PHASES.contains(phase)) {
      throw ApiException.invalid(
          "phase", "must be one of EXTENSION_INSTALL, DATA_COLLECTION, PROCESSING, COMPLETE");
    }
    int ingested = count(body, "sources_ingested");
    int required = count(body, "sources_required");
    UUID user = callers.userOf(admin.orgId(), subject);
    return view(subject, onboarding.put(admin.orgId(), user, phase, ingested, required));
  }

  private Caller admin() {
    Caller caller = callers.current();
    if (!caller.admin()) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "Forbidden",
          "Onboarding is managed by administrators.");
    }
    return caller;
  }

  private static int count(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return 0;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 0) {
      throw ApiException.invalid(field, "must be a non-negative integer");
    }
    return value.asInt();
  }

  private static Map<String, Object> view(String subject, OnboardingStore.State state) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("user", subject);
    view.put("phase", state.phase());
    view.put("sources_ingested", state.sourcesIngested());
    view.put("sources_required", state.sourcesRequired());
    view.put("gated", !"COMPLETE".equals(state.phase()));
    view.put("updated_at", state.updatedAt().toString());
    return view;
  }
}
