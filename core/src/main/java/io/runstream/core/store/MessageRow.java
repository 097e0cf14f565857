package io.runstream.core.store;

import java.time.Instant;
import java.util.UUID;

/**
 * A transcript message as stored, with its feedback if any.
 *
 * @param id the message
 * @param sessionId its session
 * @param runId the run that generated it (agent) or that it started (user)
 * @param senderRole {@code user} or {@code agent}
 * @param text its text (an agent message's text grows while it streams)
 * @param status {@code completed}, {@code streaming}, {@code cancelled} or {@code failed}
 * @param temperature the sampling temperature
 * @param modelProvider the model's provider
 * @param modelId the model
 * @param inputTokens prompt tokens (agent messages)
 * @param outputTokens generated tokens (agent messages)
 * @param metadataJson metadata, a JSON object
 * @param createdAt when it was created
 * @param feedbackRating the feedback's rating, if any
 * @param feedbackBody the feedback's text, if any
 * @param feedbackCreatedAt when the feedback was given
 */
public record MessageRow(
    UUID id,
    UUID sessionId,
    UUID runId,
    String senderRole,
    String text,
    String status,
    double temperature,
    String modelProvider,
    String modelId,
    Long inputTokens,
    Long outputTokens,
    String metadataJson,
    Instant createdAt,
    String feedbackRating,
    String feedbackBody,
    Instant feedbackCreatedAt) {}
