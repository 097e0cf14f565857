package io.runstream.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.model.ModelProviders;
import io.runstream.worker.model.anthropic.AnthropicProvider;
import io.runstream.worker.model.anthropic.AnthropicProviderFactory;
import io.runstream.worker.model.openai.OpenAiProvider;
import io.runstream.worker.model.openai.OpenAiProviderFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Providers are made by the factory bean of their type: a new type is a new bean, no switch. */
class ProviderRegistryTest {
  private static ModelProviders.Provider of(String type) {
    return new ModelProviders.Provider(
        type, "http://127.0.0.1:9", "", "m", Duration.ofSeconds(1), Duration.ofSeconds(1), 16, 0);
  }

  /** A provider type only this test knows. */
  private static final class EchoFactory implements ProviderFactory {
    @Override
    public String type() {
      return "echo";
    }

    @Override
    public LlmProvider create(String name, ModelProviders.Provider config) {
      return new LlmProvider() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public LlmResult stream(LlmRequest request, LlmStream stream) {
          throw new UnsupportedOperationException();
        }
      };
    }
  }

  private static ProviderFactory simulated() {
    return new ProviderFactory() {
      @Override
      public String type() {
        return ModelProviders.SIMULATED;
      }

      @Override
      public LlmProvider create(String name, ModelProviders.Provider config) {
        return new EchoFactory().create(name, config);
      }
    };
  }

  @Test
  void eachProviderIsMadeByTheFactoryOfItsType() {
    ModelProviders configured =
        new ModelProviders(
            Map.of("gpt", of("openai"), "claude", of("anthropic"), "parrot", of("echo")));
    ProviderRegistry registry =
        new ProviderRegistry(
            configured,
            List.of(
                simulated(),
                new OpenAiProviderFactory(),
                new AnthropicProviderFactory(),
                new EchoFactory()));
    try {
      assertThat(registry.get("gpt")).isInstanceOf(OpenAiProvider.class);
      assertThat(registry.get("claude")).isInstanceOf(AnthropicProvider.class);
      assertThat(registry.get("parrot").name()).isEqualTo("parrot");
      assertThat(registry.get(ModelProviders.SIMULATED).name()).isEqualTo(ModelProviders.SIMULATED);
      assertThat(registry.get("unknown")).isNull();
    } finally {
      registry.destroy();
    }
  }

  @Test
  void aTypeWithoutAFactoryIsRefusedAtStartUp() {
    ModelProviders configured = new ModelProviders(Map.of("parrot", of("echo")));
    assertThatThrownBy(() -> new ProviderRegistry(configured, List.of(simulated())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no provider of type echo");
  }
}
