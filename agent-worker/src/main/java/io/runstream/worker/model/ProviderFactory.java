package io.runstream.worker.model;

import io.runstream.core.model.ModelProviders;

/**
 * Makes the clients of one provider type ({@code runstream.providers.<name>.type}): one bean per
 * type, which {@link ProviderRegistry} finds by {@link #type()}. A new provider type is a new
 * factory bean (and its name in {@link ModelProviders.Provider#type()}'s accepted values).
 */
public interface ProviderFactory {

  /** The type this factory makes providers of, as the settings name it. */
  String type();

  /** The provider configured as {@code name}; built once and shared by every run. */
  LlmProvider create(String name, ModelProviders.Provider config);
}
