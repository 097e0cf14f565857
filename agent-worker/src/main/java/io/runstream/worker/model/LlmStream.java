package io.runstream.worker.model;

/** Where a provider streams its output; every call may throw if the run was stopped. */
public interface LlmStream {
  /** More answer text. */
  void text(String delta);

  /** True once the run should stop; providers check it between tokens. */
  boolean stopped();
}
