package io.runstream.worker.model;

import io.runstream.core.model.ModelProviders;
import org.springframework.stereotype.Component;

/** Providers of type {@code simulated}: the built-in simulated model under the configured name. */
@Component
public class SimulatedProviderFactory implements ProviderFactory {
  private final SimulatedModel simulated;

  public SimulatedProviderFactory(SimulatedModel simulated) {
    this.simulated = simulated;
  }

  @Override
  public String type() {
    return ModelProviders.SIMULATED;
  }

  @Override
  public LlmProvider create(String name, ModelProviders.Provider config) {
    return simulated.named(name);
  }
}
