package io.runstream.worker.model;

/**
 * A model provider: streams one step's answer (text, reasoning, tool calls) and reports its token
 * usage. A provider failure is thrown as a {@link ModelFailure} that says whether it is retriable.
 */
public interface LlmProvider {
  /** The provider's name as runs name it, e.g. {@code simulated}. */
  String name();

  /**
   * Streams the answer to {@code request} into {@code stream}, returning when the model is done or
   * stopped.
   */
  LlmResult stream(LlmRequest request, LlmStream stream) throws Exception;

  /**
   * A short title for a conversation that starts with {@code firstMessage}. Providers backed by a
   * real model ask it; the default is a deterministic summary of the message.
   */
  default String title(String modelId, String firstMessage, String firstAnswer) throws Exception {
    return Titles.fromMessage(firstMessage);
  }

  /** Releases the provider's clients. */
  default void close() {}
}
