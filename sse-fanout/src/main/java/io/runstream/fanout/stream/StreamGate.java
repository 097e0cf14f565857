package io.runstream.fanout.stream;

import io.runstream.core.problem.ApiException;
import io.runstream.fanout.FanoutProperties;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Bounds the live streams one user holds on this node, on every face together; more answer 429. A service identity
 * has its own bound ({@code max-streams-per-service}). The bound is per node: a user may hold it on each node.
 */
@Component
public class StreamGate {
  private final FanoutProperties properties;
  private final Map<UUID, Integer> streamsPerUser = new ConcurrentHashMap<>();

  public StreamGate(FanoutProperties properties) {
    this.properties = properties;
  }

  /** A held stream; closing it releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes one of the user's streams.
   *
   * @throws ApiException 429 {@code too_many_streams} with {@code Retry-After} when the user holds the most already
   */
  public Held enter(UUID userId, boolean service) {
    int most = service ? properties.maxStreamsPerService() : properties.maxStreamsPerUser();
    Integer held = streamsPerUser.compute(userId, (id, count) -> count == null ? 1 : count + 1);
    if (held > most) {
      release(userId);
      throw new ApiException(
          HttpStatus.TOO_MANY_REQUESTS, "too_many_streams", "Too Many Requests",
          "At most " + most + " live streams per " + (service ? "service identity" : "user") + "; close one first.",
          Map.of("retryAfter", 1), Map.of("Retry-After", "1"));
    }
    return () -> release(userId);
  }

  private void release(UUID userId) {
    streamsPerUser.compute(userId, (id, count) -> count == null || count <= 1 ? null : count - 1);
  }
}
