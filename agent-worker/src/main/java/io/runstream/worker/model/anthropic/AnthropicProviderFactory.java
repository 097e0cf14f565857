package io.runstream.worker.model.anthropic;

import io.runstream.core.model.ModelProviders;
import io.runstream.worker.model.LlmProvider;
import io.runstream.worker.model.ProviderFactory;
import org.springframework.stereotype.Component;

/** Providers of type {@code anthropic}: the Anthropic Messages API. */
@Component
public class AnthropicProviderFactory implements ProviderFactory {
  @Override
  public String type() {
    return "anthropic";
  }

  @Override
  public LlmProvider create(String name, ModelProviders.Provider config) {
    return new AnthropicProvider(name, config);
  }
}
