package io.runstream.core.store;

import java.time.Instant;
import java.util.UUID;

/**
 * A run as stored.
 *
 * @param id the run
 * @param sessionId its session
 * @param orgId its organisation
 * @param userId who asked
 * @param userMessageId the user message that started it, if any
 * @param agentMessageId the agent message it generates
 * @param status its lifecycle state
 * @param modelProvider the model's provider
 * @param modelId the model
 * @param seqBase the first chunk seq
 * @param lastSeq the seq of {@code run.finished}, once recorded
 * @param chunkTopic the topic of its chunks, once its first chunk was recorded
 * @param chunkPartition the partition of its chunks
 * @param chunkOffset the offset of its first chunk
 * @param inputTokens prompt tokens, once known
 * @param outputTokens generated tokens, once known
 * @param finishReason why it finished
 * @param errorJson its error, as JSON, if it failed
 * @param createdAt when it was accepted
 * @param startedAt when a worker started it
 * @param finishedAt when it ended
 * @param held enqueued behind the session's live run and not released yet: no ids yet ({@code
 *     seqBase} 0, ADR 0016)
 */
public record RunRow(
    UUID id,
    UUID sessionId,
    UUID orgId,
    UUID userId,
    UUID userMessageId,
    UUID agentMessageId,
    RunStatus status,
    String modelProvider,
    String modelId,
    long seqBase,
    Long lastSeq,
    String chunkTopic,
    Integer chunkPartition,
    Long chunkOffset,
    Long inputTokens,
    Long outputTokens,
    String finishReason,
    String errorJson,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    boolean held) {}
