package io.runstream.admission;

import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.tracing.RunTracing;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.springframework.stereotype.Component;

/**
 * Publishes run requests and returns once the broker acknowledged them ({@code acks=all},
 * idempotent).
 */
@Component
public class RunRequestPublisher {
  /** Largest run request: a 1 MiB body plus its envelope. */
  public static final int MAX_REQUEST_BYTES = Topics.MAX_RECORD_BYTES;

  private final KafkaProducer<UUID, RunRequested> producer;
  private final AdmissionProperties properties;

  private final RunTracing tracing;

  public RunRequestPublisher(
      KafkaClients clients, AdmissionProperties properties, RunTracing tracing) {
    this.tracing = tracing;
    // The producer gives up exactly when the API does, so a request never lands after a 503 was
    // answered.
    long timeout = Math.max(2_000, properties.publishTimeout().toMillis());
    this.producer =
        clients.producer(
            "ingest",
            Topics.RUN_REQUESTS,
            Map.of(
                "delivery.timeout.ms", (int) timeout,
                "request.timeout.ms", (int) Math.min(5_000, timeout - 2),
                "max.block.ms", (int) timeout,
                "max.request.size", MAX_REQUEST_BYTES));
    this.properties = properties;
  }

  /**
   * Publishes and waits for the acknowledgement.
   *
   * @throws PublishFailedException if the broker did not acknowledge in time
   */
  public void publish(RunRequested request) {
    try {
      ProducerRecord<UUID, RunRequested> record =
          new ProducerRecord<>(Topics.RUN_REQUESTS.name(), request.sessionId(), request);
      // the request's trace goes on with the run (traceparent header)
      tracing.inject(record.headers());
      producer
          .send(record)
          .get(properties.publishTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishFailedException("interrupted", e, false);
    } catch (ExecutionException e) {
      throw new PublishFailedException(
          e.getCause().getMessage(), e.getCause(), e.getCause() instanceof RecordTooLargeException);
    } catch (TimeoutException | RuntimeException e) {
      throw new PublishFailedException(e.getMessage(), e, e instanceof RecordTooLargeException);
    }
  }

  @PreDestroy
  void close() {
    producer.close(Duration.ofSeconds(5));
  }

  /** The broker did not acknowledge the run request. */
  public static class PublishFailedException extends RuntimeException {
    private final boolean tooLarge;

    PublishFailedException(String message, Throwable cause, boolean tooLarge) {
      super(message, cause);
      this.tooLarge = tooLarge;
    }

    /** True if the request can never be published: it is over the size limit. */
    public boolean tooLarge() {
      return tooLarge;
    }
  }
}
