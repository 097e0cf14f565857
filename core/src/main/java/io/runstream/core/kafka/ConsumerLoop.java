package io.runstream.core.kafka;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A Kafka consumer on its own thread, started and stopped with the application. {@link #stop()}
 * wakes the consumer up and waits for the loop to end; the consumer is closed on the loop's own
 * thread (consumers are not thread-safe). A loop that fails unexpectedly is run again after a
 * pause, with the same consumer, rather than left dead. Subclasses give the consumer and the loop's
 * body.
 */
public abstract class ConsumerLoop implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
  private static final long RESTART_PAUSE_MS = 1000;

  private final String name;
  private final Duration stopWait;
  private volatile boolean running;
  private volatile int failures;

  /** When the loop last completed a poll (or started), {@link System#nanoTime()}. */
  private volatile long lastPollNanos;

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

  /**
   * Called once the consumer is open, before the loop's thread starts (other resources,
   * subscriptions); {@link #running()} is already true.
   */
  protected void afterOpen(KafkaConsumer<byte[], byte[]> consumer) {}

  /** The loop's body: runs until {@link #running()} is false; a wakeup or an interrupt ends it. */
  protected abstract void loop(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException;

  /** Called after the loop ended and the consumer was closed, on the stopping thread. */
  protected void afterStop() {}

  /** True while the loop should go on. */
  protected final boolean running() {
    return running;
  }

  /**
   * This loop's name in the readiness group ({@code consumers/<name>}), or null (the default) when
   * its state should not take the process out of its load balancer.
   */
  protected String readinessName() {
    return null;
  }

  /**
   * The name under which this loop reports to readiness: null when it is not reported or does not
   * run here.
   */
  public final String reportedAs() {
    return enabled() ? readinessName() : null;
  }

  /**
   * Why this loop cannot be trusted to do its work, or null when it can: it was stopped, its thread
   * ended, its last run failed, or it has completed no poll for longer than {@code stallAfter}
   * (counted from its start before the first poll). A broker that is away does not stall a poll (it
   * returns empty), so a brief outage does not count.
   */
  public final String deadReason(Duration stallAfter) {
    if (!running) {
      return "stopped";
    }
    Thread current = thread;
    if (current == null || !current.isAlive()) {
      return "its thread has ended";
    }
    if (failures > 0) {
      return "failed " + failures + " time(s); running it again";
    }
    long silentNanos = System.nanoTime() - lastPollNanos;
    if (silentNanos > stallAfter.toNanos()) {
      return "no poll completed for "
          + Duration.ofNanos(silentNanos).toSeconds()
          + " s (bound "
          + stallAfter.toSeconds()
          + " s)";
    }
    return null;
  }

  /**
   * Call after every poll that returned (records or none): the loop is alive; a past failure is
   * over.
   */
  protected final void polled() {
    lastPollNanos = System.nanoTime();
    failures = 0;
  }

  /**
   * Assigns every partition of {@code topic}, waiting for the topic to exist; empty if the loop was
   * stopped first.
   */
  protected final List<TopicPartition> assignAll(
      KafkaConsumer<byte[], byte[]> consumer, String topic) throws InterruptedException {
    while (running) {
      List<PartitionInfo> found;
      try {
        found = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        found = List.of();
      }
      if (!found.isEmpty()) {
        List<TopicPartition> partitions =
            found.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        return partitions;
      }
      LOG.warn("{}: topic {} not found yet; waiting for it", name, topic);
      Thread.sleep(1000);
    }
    return List.of();
  }

  @Override
  public final synchronized void start() {
    if (running || !enabled()) {
      return;
    }
    if (thread != null && thread.isAlive()) {
      LOG.warn("{}: the previous loop has not ended yet; not starting another", name);
      return;
    }
    KafkaConsumer<byte[], byte[]> opened = openConsumer();
    consumer = opened;
    failures = 0;
    lastPollNanos = System.nanoTime();
    running = true;
    try {
      afterOpen(opened);
    } catch (RuntimeException e) {
      running = false;
      opened.close(Duration.ofSeconds(1));
      throw e;
    }
    thread = Thread.ofPlatform().name(name).daemon().start(() -> body(opened));
  }

  private void body(KafkaConsumer<byte[], byte[]> mine) {
    try {
      while (running) {
        try {
          loop(mine);
          return;
        } catch (WakeupException e) {
          return;
        } catch (RuntimeException e) {
          failures++;
          LOG.error("{} failed; running it again after a pause", name, e);
          Thread.sleep(RESTART_PAUSE_MS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        mine.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("{}: consumer close failed", name, e);
      }
    }
  }

  /** What a batch loop does with one poll's records. */
  @FunctionalInterface
  protected interface Batch {
    /**
     * Handles the records; false when they could not be handled yet (rewound), to be tried again
     * after a pause.
     */
    boolean handle(ConsumerRecords<byte[], byte[]> records) throws InterruptedException;
  }

  /**
   * Polls until stopped and hands every non-empty poll to {@code batch}: after a false, pauses with
   * back-off (100 ms doubling to {@code maxBackoff}); a broker hiccup or rebalance is logged and
   * the loop goes on; anything else unexpected is logged and followed by a {@code maxBackoff}
   * pause.
   */
  protected final void pollBatches(
      KafkaConsumer<byte[], byte[]> consumer, Duration poll, Duration maxBackoff, Batch batch)
      throws InterruptedException {
    long backoffMs = 100;
    while (running) {
      try {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(poll);
        polled();
        if (records.isEmpty()) {
          continue;
        }
        if (batch.handle(records)) {
          backoffMs = 100;
        } else {
          Thread.sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
        }
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        // A rebalance or a broker hiccup: the batch handlers are idempotent, whatever is
        // redelivered changes nothing.
        LOG.warn("{}: {}; going on", name, e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("{} failed; going on after a pause", name, e);
        Thread.sleep(maxBackoff.toMillis());
      }
    }
  }

  /** Marks the loop as working again after a failure (call from the loop when it made progress). */
  protected final void recovered() {
    failures = 0;
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
    if (thread.isAlive()) {
      LOG.warn(
          "{}: the loop did not end within {}; its resources are released when it does",
          name,
          stopWait);
    }
    afterStop();
  }

  @Override
  public final boolean isRunning() {
    return running;
  }
}
