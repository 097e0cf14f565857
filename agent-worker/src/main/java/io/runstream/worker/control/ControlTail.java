package io.runstream.worker.control;

import io.runstream.core.kafka.KafkaClients;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunControl;
import io.runstream.schemas.Topics;
import io.runstream.worker.WorkerProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Reads every partition of {@code runstream.run-control} from its end (no consumer group: every worker sees every
 * message) and hands stop requests to {@link RunStops}. Stops sent before this worker started are on the runs' rows.
 */
@Component
public class ControlTail implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ControlTail.class);

  private final KafkaClients clients;
  private final RunStops stops;
  private final WorkerProperties properties;
  private volatile boolean running;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread loop;

  public ControlTail(KafkaClients clients, RunStops stops, WorkerProperties properties) {
    this.clients = clients;
    this.stops = stops;
    this.properties = properties;
  }

  @Override
  public synchronized void start() {
    if (running || !properties.enabled()) {
      return;
    }
    consumer = clients.rawConsumer("worker-control", null, Map.of("fetch.max.wait.ms", 50));
    running = true;
    loop = Thread.ofPlatform().name("run-control-tail").daemon().start(this::pollLoop);
  }

  private void pollLoop() {
    try {
      List<TopicPartition> partitions = List.of();
      while (running && partitions.isEmpty()) {
        try {
          List<PartitionInfo> found = consumer.partitionsFor(Topics.RUN_CONTROL.name(), Duration.ofSeconds(10));
          partitions = found.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        } catch (KafkaException e) {
          LOG.debug("Control topic not readable yet: {}", e.getMessage());
        }
        if (partitions.isEmpty()) {
          Thread.sleep(1000);
        }
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      while (running) {
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            handle(record);
          }
        } catch (WakeupException e) {
          throw e;
        } catch (KafkaException e) {
          LOG.warn("Run control poll failed ({}); retrying", e.getMessage());
          Thread.sleep(200);
        }
      }
    } catch (WakeupException e) {
      // stopping
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("Consumer close failed", e);
      }
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> record) {
    try {
      RunControl control = EventJson.read(record.value(), RunControl.class);
      if (RunControl.STOP.equals(control.action())) {
        stops.request(control.runId(), control.reason());
      }
    } catch (IllegalArgumentException | NullPointerException e) {
      LOG.warn("Ignoring unreadable control message at {}-{}@{}", record.topic(), record.partition(), record.offset());
    }
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      loop.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
