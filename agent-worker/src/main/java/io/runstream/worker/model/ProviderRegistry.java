package io.runstream.worker.model;

import io.runstream.core.model.ModelProviders;
import io.runstream.worker.model.anthropic.AnthropicProvider;
import io.runstream.worker.model.openai.OpenAiProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The model providers of this worker, by the names runs use: one per {@code
 * runstream.providers.<name>} (an {@code openai}, {@code anthropic} or {@code simulated} client
 * built once and shared by every run), and the built-in {@code simulated}.
 */
@Component
public class ProviderRegistry implements DisposableBean {
  private final Map<String, LlmProvider> providers = new LinkedHashMap<>();

  public ProviderRegistry(ModelProviders configured, SimulatedModel simulated) {
    configured.all().forEach((name, config) -> providers.put(name, build(name, config, simulated)));
  }

  private static LlmProvider build(
      String name, ModelProviders.Provider config, SimulatedModel simulated) {
    return switch (config.type()) {
      case "openai" -> new OpenAiProvider(name, config);
      case "anthropic" -> new AnthropicProvider(name, config);
      default -> simulated.named(name);
    };
  }

  /** The provider of that name, or null. */
  public LlmProvider get(String name) {
    return providers.get(name);
  }

  /** The configured retries of a provider's retriable failures before its first token. */
  public static int maxRetries(ModelProviders configured, String name) {
    ModelProviders.Provider provider = configured.all().get(name);
    return provider == null ? 0 : provider.maxRetries();
  }

  @Override
  public void destroy() {
    providers.values().forEach(LlmProvider::close);
  }
}
