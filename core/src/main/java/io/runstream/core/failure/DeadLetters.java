package io.runstream.core.failure;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Poison records set aside on a {@code -dlt} topic with headers naming where they came from and
 * why, in spring-kafka's header names ({@code kafka_dlt-original-topic}, {@code
 * -original-partition}, {@code -original-offset}, {@code -exception-fqcn}, {@code
 * -exception-message}), so that the usual tooling reads them; plus {@code
 * kafka_dlt-original-timestamp} and when it was set aside.
 */
public final class DeadLetters {
  /** The header of the original topic. */
  public static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";

  /** The header of the original partition (4-byte big-endian int, as spring-kafka writes it). */
  public static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";

  /** The header of the original offset (8-byte big-endian long). */
  public static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";

  /** The header of the original record's timestamp (8-byte big-endian long, epoch milliseconds). */
  public static final String ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";

  /** The header of the failure's class name. */
  public static final String EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";

  /** The header of the failure's message. */
  public static final String EXCEPTION_MESSAGE = "kafka_dlt-exception-message";

  /** When it was set aside (ISO-8601 text). */
  public static final String DEAD_LETTERED_AT = "runstream-dead-lettered-at";

  private static final int MAX_MESSAGE = 4096;

  private DeadLetters() {}

  /**
   * The dead-letter record of {@code record}, which failed with {@code failure}, for {@code topic}.
   */
  public static ProducerRecord<byte[], byte[]> of(
      String topic, ConsumerRecord<byte[], byte[]> record, Throwable failure) {
    return of(
        topic,
        record.key(),
        record.value(),
        record.topic(),
        record.partition(),
        record.offset(),
        record.timestamp(),
        failure);
  }

  /**
   * The dead-letter record of a value read from {@code originalTopic} at {@code partition}@{@code
   * offset}.
   */
  public static ProducerRecord<byte[], byte[]> of(
      String topic,
      byte[] key,
      byte[] value,
      String originalTopic,
      int partition,
      long offset,
      long timestamp,
      Throwable failure) {
    ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topic, key, value);
    Headers headers = letter.headers();
    headers.add(ORIGINAL_TOPIC, originalTopic.getBytes(StandardCharsets.UTF_8));
    headers.add(ORIGINAL_PARTITION, ByteBuffer.allocate(4).putInt(partition).array());
    headers.add(ORIGINAL_OFFSET, ByteBuffer.allocate(8).putLong(offset).array());
    headers.add(ORIGINAL_TIMESTAMP, ByteBuffer.allocate(8).putLong(timestamp).array());
    headers.add(EXCEPTION_FQCN, failure.getClass().getName().getBytes(StandardCharsets.UTF_8));
    String message = failure.getMessage() == null ? "" : failure.getMessage();
    headers.add(
        EXCEPTION_MESSAGE,
        (message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message)
            .getBytes(StandardCharsets.UTF_8));
    headers.add(DEAD_LETTERED_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
    return letter;
  }
}
