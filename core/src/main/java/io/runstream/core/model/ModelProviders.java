package io.runstream.core.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The model providers runs may name ({@code runstream.providers.<name>.*}), any number of them: a
 * request's {@code model} {@code "<name>/<model id>"} picks one. The built-in {@code simulated}
 * provider is always there unless a provider of that name is configured.
 *
 * @param providers the configured providers by name
 */
@Validated
@ConfigurationProperties("runstream")
public record ModelProviders(@DefaultValue @Valid Map<String, Provider> providers) {
  /** The built-in simulated model's name. */
  public static final String SIMULATED = "simulated";

  public ModelProviders {
    providers = providers == null ? Map.of() : Map.copyOf(providers);
  }

  /**
   * One provider.
   *
   * @param type the type of a registered provider factory (a worker refuses to start with a type no
   *     factory serves, naming the known ones): {@code openai} (OpenAI and every OpenAI-compatible
   *     server: Ollama, vLLM, llama.cpp, LM Studio), {@code anthropic} or {@code simulated}
   * @param baseUrl the API's base URL; empty: the provider's public API
   * @param apiKey the API key; empty for local servers that need none
   * @param defaultModel the model of requests that name only the provider
   * @param connectTimeout how long to wait for a connection
   * @param timeout how long one model call may take in all
   * @param maxTokens most output tokens of one model call
   * @param maxRetries how often a retriable failure before the first token is retried
   */
  public record Provider(
      @NotBlank String type,
      @DefaultValue("") String baseUrl,
      @DefaultValue("") String apiKey,
      @DefaultValue("") String defaultModel,
      @DefaultValue("10s") Duration connectTimeout,
      @DefaultValue("10m") Duration timeout,
      @DefaultValue("4096") @Min(1) int maxTokens,
      @DefaultValue("3") @Min(0) int maxRetries) {}

  /** Every provider runs may name, the built-in simulated one included, by name. */
  public Map<String, Provider> all() {
    Map<String, Provider> all = new LinkedHashMap<>();
    all.put(
        SIMULATED,
        new Provider(
            SIMULATED, "", "", "sim-1", Duration.ofSeconds(10), Duration.ofMinutes(10), 4096, 0));
    all.putAll(providers);
    return all;
  }

  /** The names runs may use, sorted. */
  public List<String> names() {
    List<String> names = new ArrayList<>(all().keySet());
    names.sort(null);
    return names;
  }
}
