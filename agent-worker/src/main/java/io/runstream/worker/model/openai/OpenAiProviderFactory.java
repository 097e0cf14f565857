package io.runstream.worker.model.openai;

import io.runstream.core.model.ModelProviders;
import io.runstream.worker.model.LlmProvider;
import io.runstream.worker.model.ProviderFactory;
import org.springframework.stereotype.Component;

/** Providers of type {@code openai}: OpenAI and every OpenAI-compatible server. */
@Component
public class OpenAiProviderFactory implements ProviderFactory {
  @Override
  public String type() {
    return "openai";
  }

  @Override
  public LlmProvider create(String name, ModelProviders.Provider config) {
    return new OpenAiProvider(name, config);
  }
}
