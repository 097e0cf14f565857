package io.runstream.worker.approval;

import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.store.ToolApprovalStore;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import io.runstream.worker.WorkerProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The worker's side of parked runs (issue #27 item 4): publishes a due parked run's request again,
 * so that a worker (any) claims it and goes on; and, every {@code reap-interval}, makes due the
 * parked runs whose approvals timed out ({@code approval-timeout}) or whose stop was asked, and
 * publishes again the requests of due runs no worker claimed within a lease (a publication that was
 * lost). A parked run holds no thread and no lease: a worker restart changes nothing for it.
 */
@Component
public class ParkedRuns implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(ParkedRuns.class);
  private static final int BATCH = 50;

  private final ToolApprovalStore approvals;
  private final WorkerProperties properties;
  private final KafkaClients clients;
  private KafkaProducer<UUID, RunRequested> producer;
  private volatile boolean running;
  private Thread loop;

  public ParkedRuns(
      ToolApprovalStore approvals, WorkerProperties properties, KafkaClients clients) {
    this.approvals = approvals;
    this.properties = properties;
    this.clients = clients;
  }

  private synchronized KafkaProducer<UUID, RunRequested> producer() {
    if (producer == null) {
      producer =
          clients.producer(
              "worker-resume",
              Topics.RUN_REQUESTS,
              Map.of("max.request.size", Topics.MAX_RECORD_BYTES));
    }
    return producer;
  }

  /**
   * Publishes a due parked run's request; a failure is only logged (the sweep publishes it again
   * once its {@code resume_due} has passed).
   */
  public void publish(String requestJson) {
    try {
      RunRequested request =
          EventJson.read(requestJson.getBytes(StandardCharsets.UTF_8), RunRequested.class);
      producer()
          .send(new ProducerRecord<>(Topics.RUN_REQUESTS.name(), request.sessionId(), request))
          .get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn(
          "A parked run's request was not published now ({}); the sweep publishes it again",
          e.toString());
    }
  }

  /** Makes due and publishes the parked runs whose time has come; returns how many. */
  public int sweepOnce() {
    List<ToolApprovalStore.Due> due = approvals.sweep(BATCH, properties.lease());
    for (ToolApprovalStore.Due run : due) {
      LOG.info(
          "Parked run {} is due (approval timed out, stopped, or not claimed yet)", run.runId());
      publish(run.requestJson());
    }
    return due.size();
  }

  @Override
  public synchronized void start() {
    if (running || !properties.enabled()) {
      return;
    }
    running = true;
    loop = Thread.ofVirtual().name("parked-runs").start(this::sweepLoop);
  }

  private void sweepLoop() {
    while (running) {
      try {
        Thread.sleep(properties.reapInterval().toMillis());
        sweepOnce();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("Parked runs: {}", e.getMessage());
      }
    }
  }

  @Override
  public synchronized void stop() {
    running = false;
    if (loop != null) {
      loop.interrupt();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
