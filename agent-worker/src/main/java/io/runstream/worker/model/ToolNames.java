package io.runstream.worker.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tool names as a provider accepts them, and back: OpenAI's and Anthropic's function names allow
 * only letters, digits, {@code _} and {@code -} (up to 64), so {@code memory.store} is offered as
 * {@code memory_store}. Names that would collide get a numeric suffix; the model's calls are mapped
 * back to the names runs use.
 */
public final class ToolNames {
  private static final int MAX = 64;
  private final Map<String, String> toProvider = new HashMap<>();
  private final Map<String, String> fromProvider = new HashMap<>();

  /** The mapping for one request's tools. */
  public ToolNames(List<LlmRequest.ToolDefinition> tools) {
    for (LlmRequest.ToolDefinition tool : tools) {
      add(tool.name());
    }
  }

  private void add(String name) {
    if (toProvider.containsKey(name)) {
      return;
    }
    String safe = name.replaceAll("[^A-Za-z0-9_-]", "_");
    if (safe.isEmpty()) {
      safe = "tool";
    }
    safe = safe.length() > MAX ? safe.substring(0, MAX) : safe;
    String candidate = safe;
    for (int i = 2; fromProvider.containsKey(candidate); i++) {
      String suffix = "_" + i;
      candidate = safe.substring(0, Math.min(safe.length(), MAX - suffix.length())) + suffix;
    }
    toProvider.put(name, candidate);
    fromProvider.put(candidate, name);
  }

  /** The name the provider sees for a tool of the run. */
  public String provider(String name) {
    add(name);
    return toProvider.get(name);
  }

  /**
   * The run's name of a tool the model called (unknown names are kept: the loop answers them with
   * an error).
   */
  public String run(String providerName) {
    return fromProvider.getOrDefault(providerName, providerName);
  }
}
