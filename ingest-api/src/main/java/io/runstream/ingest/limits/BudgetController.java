package io.runstream.ingest.limits;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.UsageLedger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The caller's organisation's token budget; setting it takes the {@code admin} claim. */
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

  /** Sets the budget: {@code {"token_budget": n}} or {@code {"token_budget": null}} for unlimited. */
  @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> put(@RequestBody JsonNode body) {
    Caller caller = callers.current();
    if (!caller.admin()) {
      throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "Setting a budget takes the admin claim.");
    }
    if (body == null || !body.isObject() || !body.has("token_budget")) {
      throw ApiException.invalid("token_budget", "is required (a non-negative integer, or null for unlimited)");
    }
    JsonNode value = body.get("token_budget");
    Long tokens;
    if (value.isNull()) {
      tokens = null;
    } else if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0) {
      tokens = value.asLong();
    } else {
      throw ApiException.invalid("token_budget", "must be a non-negative integer, or null for unlimited");
    }
    usage.setBudget(caller.orgId(), tokens);
    return view(caller);
  }

  private Map<String, Object> view(Caller caller) {
    Long budget = usage.budget(caller.orgId());
    long used = usage.totalTokens(caller.orgId());
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("token_budget", budget);
    answer.put("used", used);
    answer.put("available", budget == null ? null : Math.max(0, budget - used));
    return answer;
  }
}
