package io.runstream.worker.model;

/** A model provider: streams an answer and reports its token usage. */
public interface LlmProvider {
  /** The provider's name as runs name it, e.g. {@code simulated}. */
  String name();

  /** Streams the answer to {@code request} into {@code stream}, returning when the model is done or stopped. */
  LlmResult stream(LlmRequest request, LlmStream stream) throws Exception;
}
