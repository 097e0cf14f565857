package io.runstream.admission.routing;

import io.runstream.core.identity.Caller;
import io.runstream.schemas.RunRequested;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a run that names no model gets one ({@code runstream.routing}): the first rule whose
 * conditions all hold (the request's agent role, the caller's {@code admin} claim) gives the model,
 * and its instructions when the request has none; else the default provider's default model.
 * Providers listed in {@code admin-providers} are for admins only: a request of anyone else naming
 * one is answered as for an unknown provider, whatever it says.
 *
 * @param rules the rules, in order
 * @param adminProviders providers only callers with the {@code admin} claim may use
 */
@ConfigurationProperties("runstream.routing")
public record ModelRouting(
    @DefaultValue List<Rule> rules, @DefaultValue List<String> adminProviders) {

  public ModelRouting {
    rules = rules == null ? List.of() : List.copyOf(rules);
    adminProviders = adminProviders == null ? List.of() : List.copyOf(adminProviders);
  }

  /**
   * One rule.
   *
   * @param agentRole the agent role it applies to (agent-stream's {@code agentRole}); any when
   *     absent
   * @param admin whether it applies to callers with ({@code true}) or without ({@code false}) the
   *     admin claim; any when absent
   * @param model the model, {@code "<provider>/<model id>"}
   * @param instructions system instructions for runs whose request has none, optional
   */
  public record Rule(String agentRole, Boolean admin, String model, String instructions) {}

  /** The route of a request that names no model, if a rule applies. */
  public Optional<Rule> route(Caller caller, String agentRole) {
    for (Rule rule : rules) {
      if (rule.model() == null || rule.model().isBlank()) {
        continue;
      }
      boolean role = rule.agentRole() == null || rule.agentRole().equals(agentRole);
      boolean admin = rule.admin() == null || rule.admin() == caller.admin();
      if (role && admin) {
        return Optional.of(rule);
      }
    }
    return Optional.empty();
  }

  /** The rule's model as a reference. */
  public static RunRequested.ModelRef model(Rule rule) {
    String model = rule.model().strip();
    int slash = model.indexOf('/');
    if (slash <= 0 || slash == model.length() - 1) {
      throw new IllegalStateException(
          "runstream.routing.rules: model '" + model + "' must be <provider>/<model id>");
    }
    return new RunRequested.ModelRef(model.substring(0, slash), model.substring(slash + 1));
  }

  /** True if the caller may use the provider. */
  public boolean allowed(Caller caller, String provider) {
    return caller.admin() || !Set.copyOf(adminProviders).contains(provider);
  }
}
