package io.runstream.admission.control;

import io.runstream.admission.RunRequestPublisher;
import io.runstream.core.store.ToolApprovalStore;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Sends a parked run (issue #27 item 4) back to the workers: its request is published again, and
 * the worker that claims it goes on. A publication that fails is only logged: the run is due, and
 * the workers' sweep publishes its request again once a lease has passed.
 */
@Component
public class ParkedRunWaker {
  private static final Logger LOG = LoggerFactory.getLogger(ParkedRunWaker.class);

  private final ToolApprovalStore approvals;
  private final RunRequestPublisher publisher;
  private final Duration lease;

  public ParkedRunWaker(
      ToolApprovalStore approvals,
      RunRequestPublisher publisher,
      @Value("${runstream.worker.lease:30s}") Duration lease) {
    this.approvals = approvals;
    this.publisher = publisher;
    this.lease = lease;
  }

  /** How long a due run may wait for a worker before its request is published again. */
  public Duration lease() {
    return lease;
  }

  /** Publishes a due parked run's request. */
  public void publish(String requestJson) {
    try {
      publisher.publish(
          EventJson.read(requestJson.getBytes(StandardCharsets.UTF_8), RunRequested.class));
    } catch (RuntimeException e) {
      LOG.warn(
          "A parked run's request was not published now ({}); the workers publish it again",
          e.getMessage());
    }
  }

  /** A stop of the run: if it is parked, it goes on now (and ends as its stop says). */
  public void wake(UUID runId) {
    try {
      approvals.wake(runId, lease).ifPresent(this::publish);
    } catch (RuntimeException e) {
      LOG.warn("Run {}: a parked run was not woken now ({})", runId, e.getMessage());
    }
  }
}
