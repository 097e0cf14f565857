package io.runstream.core.kafka;

import java.time.Duration;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A Kafka consumer on its own thread, started and stopped with the application: {@link #stop()} wakes the consumer
 * up, waits for the loop to end, and the consumer is closed on the loop's own thread (consumers are not
 * thread-safe). Subclasses give the consumer and the loop's body.
 */
public abstract class ConsumerLoop implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

  private final String name;
  private final Duration stopWait;
  private volatile boolean running;
  private volatile boolean died;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;

  protected ConsumerLoop(String name, Duration stopWait) {
    this.name = name;
    this.stopWait = stopWait;
  }

  /** Whether this loop runs at all in this process. */
  protected boolean enabled() {
    return true;
  }

  /** The consumer, created at start. */
  protected abstract KafkaConsumer<byte[], byte[]> openConsumer();

  /** Called once the consumer is open, before the loop's thread starts (other resources, subscriptions). */
  protected void afterOpen(KafkaConsumer<byte[], byte[]> consumer) {}

  /** The loop's body: runs until {@link #running()} is false; a wakeup or an interrupt ends it. */
  protected abstract void loop(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException;

  /** Called after the loop ended and the consumer was closed, on the stopping thread. */
  protected void afterStop() {}

  /**
   * Assigns every partition of {@code topic}, waiting for the topic to exist; empty if the loop was stopped first.
   */
  protected final java.util.List<org.apache.kafka.common.TopicPartition> assignAll(
      KafkaConsumer<byte[], byte[]> consumer, String topic) throws InterruptedException {
    while (running) {
      java.util.List<org.apache.kafka.common.PartitionInfo> found;
      try {
        found = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      } catch (org.apache.kafka.common.KafkaException e) {
        found = java.util.List.of();
      }
      if (!found.isEmpty()) {
        java.util.List<org.apache.kafka.common.TopicPartition> partitions =
            found.stream().map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        return partitions;
      }
      LOG.warn("{}: topic {} not found yet; waiting for it", name, topic);
      Thread.sleep(1000);
    }
    return java.util.List.of();
  }

  /** True while the loop should go on. */
  protected final boolean running() {
    return running;
  }

  /** False if the loop ended by an unexpected error while it should be running. */
  public final boolean healthy() {
    return !died && (!running || thread == null || thread.isAlive());
  }

  @Override
  public final synchronized void start() {
    if (running || !enabled()) {
      return;
    }
    died = false;
    consumer = openConsumer();
    afterOpen(consumer);
    running = true;
    thread = Thread.ofPlatform().name(name).daemon().start(this::body);
  }

  private void body() {
    try {
      loop(consumer);
    } catch (WakeupException e) {
      // stopping
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("{} stopped unexpectedly", name, e);
      died = true;
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("{}: consumer close failed", name, e);
      }
    }
  }

  @Override
  public final synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(stopWait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    afterStop();
  }

  @Override
  public final boolean isRunning() {
    return running;
  }
}
