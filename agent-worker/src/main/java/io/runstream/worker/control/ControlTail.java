package io.runstream.worker.control;

import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunControl;
import io.runstream.schemas.Topics;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.tools.ClientToolBridge;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.NullNode;

/**
 * Reads every partition of {@code runstream.run-control} from its end (no consumer group: every
 * worker sees every message) and hands stop requests to {@link RunStops} and client tool results to
 * the {@link io.runstream.worker.tools.ClientToolBridge}. Stops sent before this worker started are
 * on the runs' rows.
 */
@Component
public class ControlTail extends ConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ControlTail.class);

  private final KafkaClients clients;
  private final RunStops stops;
  private final ClientToolBridge clientTools;
  private final WorkerProperties properties;

  public ControlTail(
      KafkaClients clients,
      RunStops stops,
      ClientToolBridge clientTools,
      WorkerProperties properties) {
    super("run-control-tail", Duration.ofSeconds(10));
    this.clientTools = clientTools;
    this.clients = clients;
    this.stops = stops;
    this.properties = properties;
  }

  @Override
  protected boolean enabled() {
    return properties.enabled();
  }

  @Override
  public int getPhase() {
    // Start before the intake claims runs, stop after it.
    return Integer.MAX_VALUE - 200;
  }

  @Override
  protected KafkaConsumer<byte[], byte[]> openConsumer() {
    return clients.rawConsumer("worker-control", null, Map.of("fetch.max.wait.ms", 50));
  }

  @Override
  protected void loop(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException {
    List<TopicPartition> partitions = assignAll(consumer, Topics.RUN_CONTROL.name());
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    while (running()) {
      try {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          handle(record);
        }
        recovered();
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        LOG.warn("Run control poll failed ({}); retrying", e.getMessage());
        Thread.sleep(200);
      }
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> record) {
    try {
      RunControl control = EventJson.read(record.value(), RunControl.class);
      if (RunControl.STOP.equals(control.action())) {
        stops.request(control.runId(), control.reason());
      } else if (RunControl.TOOL_RESULT.equals(control.action()) && control.toolCallId() != null) {
        clientTools.deliver(
            control.runId(),
            control.toolCallId(),
            control.output() == null ? NullNode.getInstance() : control.output());
      }
    } catch (IllegalArgumentException | NullPointerException e) {
      LOG.warn(
          "Ignoring unreadable control message at {}-{}@{}",
          record.topic(),
          record.partition(),
          record.offset());
    }
  }
}
