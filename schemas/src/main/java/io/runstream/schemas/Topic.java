package io.runstream.schemas;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * One Kafka topic of the catalogue: its name and the serdes of its keys and values.
 *
 * @param name the topic name, kebab-case under the {@code runstream.} prefix
 * @param key the serde of record keys
 * @param value the serde of record values
 */
public record Topic<K, V>(String name, Serde<K> key, Serde<V> value) {
  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (!name.matches("runstream\\.[a-z0-9]+(-[a-z0-9]+)*(\\.[a-z0-9-]+)*")) {
      throw new IllegalArgumentException("topic name must be kebab-case under runstream.: " + name);
    }
  }
}
