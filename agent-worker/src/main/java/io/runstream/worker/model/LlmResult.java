package io.runstream.worker.model;

import java.util.List;

/**
 * How one model call (one step) ended.
 *
 * @param finishReason {@code stop}, {@code length}, {@code tool-calls}, ...
 * @param inputTokens prompt tokens, 0 if the provider did not say
 * @param outputTokens generated tokens
 * @param toolCalls the tools the model asked to call; the run calls them and asks again
 * @param reasoningSignature the provider's signature of the step's reasoning, to replay with it, or
 *     null
 */
public record LlmResult(
    String finishReason,
    long inputTokens,
    long outputTokens,
    List<LlmRequest.ToolCall> toolCalls,
    String reasoningSignature) {

  public LlmResult {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** A step without a reasoning signature. */
  public LlmResult(
      String finishReason,
      long inputTokens,
      long outputTokens,
      List<LlmRequest.ToolCall> toolCalls) {
    this(finishReason, inputTokens, outputTokens, toolCalls, null);
  }

  /** A step without tool calls. */
  public LlmResult(String finishReason, long inputTokens, long outputTokens) {
    this(finishReason, inputTokens, outputTokens, List.of(), null);
  }
}
