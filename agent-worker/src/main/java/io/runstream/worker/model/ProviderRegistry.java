package io.runstream.worker.model;

import io.runstream.core.model.ModelProviders;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The model providers of this worker, by the names runs use: one per {@code
 * runstream.providers.<name>}, made by the {@link ProviderFactory} bean of its type (a client built
 * once and shared by every run), and the built-in {@code simulated}.
 */
@Component
public class ProviderRegistry implements DisposableBean {
  private final Map<String, LlmProvider> providers = new LinkedHashMap<>();

  public ProviderRegistry(ModelProviders configured, List<ProviderFactory> factories) {
    Map<String, ProviderFactory> byType = new LinkedHashMap<>();
    for (ProviderFactory factory : factories) {
      ProviderFactory other = byType.putIfAbsent(factory.type(), factory);
      if (other != null) {
        throw new IllegalStateException(
            "two provider factories for type " + factory.type() + ": " + other + ", " + factory);
      }
    }
    configured
        .all()
        .forEach(
            (name, config) -> {
              ProviderFactory factory = byType.get(config.type());
              if (factory == null) {
                throw new IllegalStateException(
                    "runstream.providers."
                        + name
                        + ".type: no provider of type "
                        + config.type()
                        + " (known: "
                        + byType.keySet()
                        + ")");
              }
              providers.put(name, factory.create(name, config));
            });
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
