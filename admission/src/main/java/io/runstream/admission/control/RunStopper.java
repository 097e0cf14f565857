package io.runstream.admission.control;

import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.schemas.RunControl;
import io.runstream.schemas.Topics;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Stops runs cluster-wide. The stop is first recorded on the run's row (so a stop that races the
 * run's start is seen when a worker claims it), then published on the control topic, which every
 * worker reads; the one holding the run aborts it. Idempotent: a second stop, or a stop of an ended
 * run, changes nothing.
 */
@Service
public class RunStopper {
  private final RunStore runs;
  private final KafkaProducer<UUID, RunControl> producer;
  private final ParkedRunWaker parked;

  public RunStopper(RunStore runs, KafkaClients clients, ParkedRunWaker parked) {
    this.runs = runs;
    this.parked = parked;
    this.producer =
        clients.producer(
            "ingest-control",
            Topics.RUN_CONTROL,
            Map.of("max.request.size", Topics.MAX_RECORD_BYTES));
  }

  /**
   * Stops the run if it is live; true if this call asked first. The stop is sent again on every
   * call while the run is live, so a call that answered 503 can simply be retried.
   */
  public boolean stop(RunRow run, String reason) {
    if (run.status().terminal()) {
      return false;
    }
    boolean first = runs.requestStop(run.id());
    if (!first && runs.find(run.id()).map(r -> r.status().terminal()).orElse(true)) {
      return false;
    }
    send(run, reason);
    return first;
  }

  /**
   * Delivers the stop of a run whose stop is recorded on its row already (a double-texting
   * interrupt, ADR 0016) to the worker holding it. A failure is only logged: that worker reads the
   * row when it next renews the run's lease, and a run not started yet is ended by the worker that
   * claims it.
   */
  public void signal(RunRow run, String reason) {
    if (run.held() || run.status().terminal()) {
      return;
    }
    try {
      send(run, reason);
    } catch (ApiException e) {
      org.slf4j.LoggerFactory.getLogger(RunStopper.class)
          .warn(
              "Run {}: its stop is recorded but was not delivered now; the worker reads it with its lease",
              run.id());
    }
  }

  private void send(RunRow run, String reason) {
    // A run parked for tool approvals has no worker to tell: it goes on now, and ends stopped.
    parked.wake(run.id());
    try {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.RUN_CONTROL.name(),
                  run.id(),
                  RunControl.stop(run.id(), run.sessionId(), reason)))
          .get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable();
    } catch (Exception e) {
      // The row says stop: a worker that claims the run later stops it, and the worker running it
      // reads the row
      // when it renews its lease; retrying sends it again.
      throw unavailable();
    }
  }

  /** Sends a client tool's result to the worker holding the run. */
  public void sendToolResult(
      RunRow run, String toolCallId, tools.jackson.databind.JsonNode output) {
    try {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.RUN_CONTROL.name(),
                  run.id(),
                  RunControl.toolResult(run.id(), run.sessionId(), toolCallId, output)))
          .get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable();
    } catch (Exception e) {
      throw unavailable();
    }
  }

  private static ApiException unavailable() {
    return new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        "broker_unavailable",
        "Service Unavailable",
        "The stop was recorded but could not be delivered to the worker yet; try again.",
        Map.of("retryable", true),
        Map.of("Retry-After", "1"));
  }

  @PreDestroy
  void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
