package io.runstream.ingest.admission;

import io.runstream.core.kafka.KafkaClients;
import io.runstream.ingest.IngestProperties;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import jakarta.annotation.PreDestroy;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.stereotype.Component;

/** Publishes run requests and returns once the broker acknowledged them ({@code acks=all}, idempotent). */
@Component
public class RunRequestPublisher {
  private final KafkaProducer<UUID, RunRequested> producer;
  private final IngestProperties properties;

  public RunRequestPublisher(KafkaClients clients, IngestProperties properties) {
    this.producer = clients.producer("ingest", Topics.RUN_REQUESTS, Map.of());
    this.properties = properties;
  }

  /**
   * Publishes and waits for the acknowledgement.
   *
   * @throws PublishFailedException if the broker did not acknowledge in time
   */
  public void publish(RunRequested request) {
    try {
      producer
          .send(new ProducerRecord<>(Topics.RUN_REQUESTS.name(), request.sessionId(), request))
          .get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishFailedException("interrupted", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new PublishFailedException(e.getMessage(), e);
    }
  }

  @PreDestroy
  void close() {
    producer.close(java.time.Duration.ofSeconds(5));
  }

  /** The broker did not acknowledge the run request. */
  public static class PublishFailedException extends RuntimeException {
    PublishFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
