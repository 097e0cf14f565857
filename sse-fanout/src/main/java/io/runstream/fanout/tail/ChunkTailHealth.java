package io.runstream.fanout.tail;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** The node is unhealthy when its chunk tail is not running: it would serve readers nothing new. */
@Component("chunkTailHealthIndicator")
public class ChunkTailHealth implements HealthIndicator {
  private final ChunkTail tail;

  public ChunkTailHealth(ChunkTail tail) {
    this.tail = tail;
  }

  @Override
  public Health health() {
    return tail.healthy() ? Health.up().withDetail("ready", tail.ready()).build() : Health.down().build();
  }
}
