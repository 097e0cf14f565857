package io.runstream.fanout.stream;

import io.runstream.core.problem.ApiException;
import io.runstream.fanout.FanoutProperties;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Bounds the live streams one user holds on this node, on every face together; more answer 429. A
 * service identity has its own bound ({@code max-streams-per-service}). The bound is per node: a
 * user may hold it on each node.
 */
@Component
public class StreamGate {
  private final FanoutProperties properties;
  // One counter per user, changed without a lock: in a reconnect storm one user (a service
  // identity, a browser's
  // tabs) may open hundreds of streams at once, and a compute() on one key would make them queue on
  // its bin's monitor.
  private final Map<UUID, AtomicInteger> streamsPerUser = new ConcurrentHashMap<>();

  public StreamGate(FanoutProperties properties) {
    this.properties = properties;
  }

  /** A held stream; closing it releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();

    /**
     * Hands the stream over to whoever outlives this holder (a suspended stream): the returned one
     * releases it, and closing this one no longer does.
     */
    Held handOver();
  }

  /** A seat released once, by its holder or by whoever it was handed over to. */
  private static final class Seat implements Held {
    private final AtomicInteger count;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean handedOver;

    Seat(AtomicInteger count) {
      this.count = count;
    }

    @Override
    public void close() {
      if (!handedOver) {
        release();
      }
    }

    @Override
    public Held handOver() {
      handedOver = true;
      return new Held() {
        @Override
        public void close() {
          release();
        }

        @Override
        public Held handOver() {
          return this;
        }
      };
    }

    private void release() {
      if (released.compareAndSet(false, true)) {
        count.decrementAndGet();
      }
    }
  }

  /**
   * Takes one of the user's streams.
   *
   * @throws ApiException 429 {@code too_many_streams} with {@code Retry-After} when the user holds
   *     the most already
   */
  public Held enter(UUID userId, boolean service) {
    int most = service ? properties.maxStreamsPerService() : properties.maxStreamsPerUser();
    if (streamsPerUser.size() > 100_000) {
      // users without a stream: dropped now and then (a user racing with this only has one stream
      // less counted once)
      streamsPerUser.values().removeIf(c -> c.get() == 0);
    }
    AtomicInteger count = streamsPerUser.computeIfAbsent(userId, id -> new AtomicInteger());
    int held = count.incrementAndGet();
    if (held > most) {
      count.decrementAndGet();
      throw new ApiException(
          HttpStatus.TOO_MANY_REQUESTS,
          "too_many_streams",
          "Too Many Requests",
          "At most "
              + most
              + " live streams per "
              + (service ? "service identity" : "user")
              + "; close one first.",
          Map.of("retryAfter", 1),
          Map.of("Retry-After", "1"));
    }
    return new Seat(count);
  }
}
