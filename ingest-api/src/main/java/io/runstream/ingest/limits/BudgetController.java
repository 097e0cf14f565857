package io.runstream.ingest.limits;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.UsageLedger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * An organisation's token budget. Its members read their own organisation's; setting one is for
 * platform operators ({@code runstream.security.operator-subjects}) only, not for the
 * organisation's own administrators (a budget is what the platform grants an organisation, so the
 * organisation cannot raise it).
 */
@RestController
@RequestMapping(path = "/api/v1/admin/budget", produces = MediaType.APPLICATION_JSON_VALUE)
public class BudgetController {
  private final CallerResolver callers;
  private final UsageLedger usage;

  public BudgetController(CallerResolver callers, UsageLedger usage) {
    this.callers = callers;
    this.usage = usage;
  }

  /** {@code {token_budget, used, available}}; null budget and available mean unlimited. */
  @GetMapping
  public Map<String, Object> get() {
    return view(callers.current());
  }

  /**
   * Sets a budget: {@code {"token_budget": n}} or {@code {"token_budget": null}} for unlimited, for
   * the organisation named by {@code organisation} (as its tokens' {@code org} claim names it; the
   * operator's own by default).
   */
  @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> put(@RequestBody JsonNode body) {
    Caller caller = callers.current();
    if (!caller.operator()) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "Forbidden",
          "Setting a token budget is for platform operators (runstream.security.operator-subjects).");
    }
    if (body == null || !body.isObject() || !body.has("token_budget")) {
      throw ApiException.invalid(
          "token_budget", "is required (a non-negative integer, or null for unlimited)");
    }
    JsonNode value = body.get("token_budget");
    Long tokens;
    if (value.isNull()) {
      tokens = null;
    } else if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0) {
      tokens = value.asLong();
    } else {
      throw ApiException.invalid(
          "token_budget", "must be a non-negative integer, or null for unlimited");
    }
    JsonNode named = body.get("organisation");
    UUID orgId;
    if (named == null || named.isNull()) {
      orgId = caller.orgId();
    } else if (named.isString()
        && !named.asString().isBlank()
        && named.asString().length() <= 200) {
      orgId = callers.organisation(named.asString());
    } else {
      throw ApiException.invalid(
          "organisation", "must be an organisation's id as its tokens name it (org claim)");
    }
    usage.setBudget(orgId, tokens);
    return view(orgId);
  }

  private Map<String, Object> view(Caller caller) {
    return view(caller.orgId());
  }

  private Map<String, Object> view(UUID orgId) {
    Long budget = usage.budget(orgId);
    long used = usage.totalTokens(orgId);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("token_budget", budget);
    answer.put("used", used);
    answer.put("available", budget == null ? null : Math.max(0, budget - used));
    return answer;
  }
}
