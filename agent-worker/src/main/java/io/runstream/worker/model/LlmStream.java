package io.runstream.worker.model;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Where a provider streams its output; every call may throw if the run was stopped. Besides text a
 * model may reason, call tools, report document stages and produce images; a provider that does not
 * offer one simply never calls it.
 */
public interface LlmStream {
  /** More answer text. */
  void text(String delta);

  /** More reasoning ("thinking") text. */
  default void reasoning(String delta) {}

  /** A tool call began: its id and name are known, its arguments still streaming. */
  default void toolInputStart(String toolCallId, String toolName) {}

  /**
   * A tool call with its complete arguments; {@code origin} is {@code server} or {@code client}.
   */
  default void toolCall(String toolCallId, String toolName, JsonNode input, String origin) {}

  /** A tool's result: {@code output}, or {@code errorText} when the tool failed. */
  default void toolResult(String toolCallId, JsonNode output, String errorText) {}

  /** A document processing stage (e.g. {@code extract_started}) of the file {@code fileName}. */
  default void doc(String stage, String fileName) {}

  /** A stage update the model reports (the worker reports its own transitions too). */
  default void stage(
      String missionLabel, String mood, String leftPanel, String rightPanel, String stageTarget) {}

  /** An image the model produced. */
  default void image(String url, String mediaType, String prompt) {}

  /** True once the run should stop; providers check it between tokens. */
  boolean stopped();

  /**
   * Waits up to {@code nanos} (a paced model's next token), returning early once the run should
   * stop: a stop wakes the waiting thread at once.
   *
   * @return false if the run should stop
   */
  default boolean pause(long nanos) {
    if (nanos > 0) {
      LockSupport.parkNanos(nanos);
    }
    return !stopped();
  }

  /**
   * Runs a read that may block on the provider (its response, its next event) so that a stop cuts
   * it short: the read then fails (on the run's virtual thread, a blocked socket read ends at once)
   * and {@link #stopped()} is true; the provider returns what it has. Only the read itself is cut,
   * never what the provider does with its result.
   */
  default <T> T blocking(Supplier<T> read) {
    return read.get();
  }
}
