package io.runstream.worker.context;

import io.runstream.core.store.ContextNodeStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * A user's heaviest context nodes for the prompt, cached per user for {@code
 * runstream.context.nodes-cache-ttl} (seed 000: "5-minute TTL cache"), so a busy user's runs read
 * the table once per TTL.
 */
@Component
public class ContextNodes {
  private static final int MAX_CACHED = 10_000;

  private final ContextNodeStore store;
  private final ContextProperties properties;
  private final Map<Key, Cached> cache = new ConcurrentHashMap<>();

  private record Key(UUID orgId, UUID userId) {}

  private record Cached(List<ContextNodeStore.Node> nodes, long expiresAtNanos) {}

  public ContextNodes(ContextNodeStore store, ContextProperties properties) {
    this.store = store;
    this.properties = properties;
  }

  /** The user's top nodes by weight, at most {@code runstream.context.nodes}. */
  public List<ContextNodeStore.Node> top(UUID orgId, UUID userId) {
    if (properties.nodes() <= 0 || userId == null) {
      return List.of();
    }
    Key key = new Key(orgId, userId);
    long now = System.nanoTime();
    Cached cached = cache.get(key);
    if (cached != null && cached.expiresAtNanos() - now > 0) {
      return cached.nodes();
    }
    List<ContextNodeStore.Node> nodes = List.copyOf(store.top(orgId, userId, properties.nodes()));
    if (cache.size() >= MAX_CACHED) {
      cache.entrySet().removeIf(entry -> entry.getValue().expiresAtNanos() - now <= 0);
      if (cache.size() >= MAX_CACHED) {
        cache.clear();
      }
    }
    cache.put(key, new Cached(nodes, now + properties.nodesCacheTtl().toNanos()));
    return nodes;
  }
}
