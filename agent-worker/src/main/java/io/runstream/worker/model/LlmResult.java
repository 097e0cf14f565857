package io.runstream.worker.model;

/**
 * How a model call ended.
 *
 * @param finishReason {@code stop}, {@code length}, ...
 * @param inputTokens prompt tokens
 * @param outputTokens generated tokens
 */
public record LlmResult(String finishReason, long inputTokens, long outputTokens) {}
