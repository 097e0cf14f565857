package io.runstream.worker.run;

import io.runstream.schemas.EventJson;
import io.runstream.worker.model.LlmRequest;
import java.util.List;

/**
 * What a parked run needs to go on (issue #27 item 4): kept in PostgreSQL while its tool calls wait
 * for their approvals, so that any worker goes on with it, without a thread waiting meanwhile.
 *
 * @param step the step whose tool calls wait
 * @param llm what the model was asked in that step (its earlier steps included)
 * @param text the text the model wrote in that step
 * @param reasoning the reasoning it wrote in that step
 * @param reasoningSignature the provider's signature of that reasoning, or null
 * @param calls the step's tool calls, in order (all streamed; those needing it wait for approval)
 * @param answered the outcomes of the step's calls that ran before it parked (server tools that
 *     need no approval), by call
 * @param nextSeq the seq of the run's next chunk
 * @param messageText the agent message's text so far (every text delta of the run)
 * @param inputTokens the input tokens the run has spent so far
 * @param outputTokens the output tokens it has spent so far
 */
record Continuation(
    int step,
    LlmRequest llm,
    String text,
    String reasoning,
    String reasoningSignature,
    List<LlmRequest.ToolCall> calls,
    List<LlmRequest.ToolOutcome> answered,
    long nextSeq,
    String messageText,
    long inputTokens,
    long outputTokens) {

  /** The same, with where the run's output stands when it parks. */
  Continuation at(long next, String message, long input, long output) {
    return new Continuation(
        step,
        llm,
        text,
        reasoning,
        reasoningSignature,
        calls,
        answered,
        next,
        message,
        input,
        output);
  }

  String json() {
    return EventJson.MAPPER.writeValueAsString(this);
  }

  static Continuation read(String json) {
    return EventJson.MAPPER.readValue(json, Continuation.class);
  }
}
