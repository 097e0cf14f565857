package io.runstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * The payload of a {@link RunChunk}; its {@link #type()} names it on the wire ({@code "type"} of
 * the envelope).
 *
 * <p>A run has exactly one {@link RunStarted} first and exactly one {@link RunFinished} last.
 */
public sealed interface ChunkData {

  /** The wire name of this chunk type, e.g. {@code text.delta}. */
  String type();

  /** True for the chunk that ends a run. */
  default boolean terminal() {
    return false;
  }

  /**
   * The run started.
   *
   * @param messageId the agent message the run generates
   * @param model the model that runs
   * @param orgId the organisation the run is billed to (since 2026-12-02; absent in older records)
   * @param userId the user who started the run, if any (since 2026-12-02)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RunStarted(UUID messageId, RunRequested.ModelRef model, UUID orgId, UUID userId)
      implements ChunkData {
    public static final String TYPE = "run.started";

    public RunStarted {
      Objects.requireNonNull(messageId, "messageId");
    }

    /** A run start without attribution (the emitter adds it). */
    public RunStarted(UUID messageId, RunRequested.ModelRef model) {
      this(messageId, model, null, null);
    }

    /** This start, attributed to an organisation and a user. */
    public RunStarted attributed(UUID org, UUID user) {
      return new RunStarted(messageId, model, org, user);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A step (one model call) started.
   *
   * @param step the step's number, from 1
   */
  record StepStarted(int step) implements ChunkData {
    public static final String TYPE = "step.started";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** A text part starts; the envelope's {@code part} names it. */
  record TextStart() implements ChunkData {
    public static final String TYPE = "text.start";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * More text of the part named by the envelope.
   *
   * @param delta the text to append
   */
  record TextDelta(String delta) implements ChunkData {
    public static final String TYPE = "text.delta";

    public TextDelta {
      Objects.requireNonNull(delta, "delta");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** The text part named by the envelope ended. */
  record TextEnd() implements ChunkData {
    public static final String TYPE = "text.end";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** A reasoning part starts. */
  record ReasoningStart() implements ChunkData {
    public static final String TYPE = "reasoning.start";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * More reasoning text.
   *
   * @param delta the text to append
   */
  record ReasoningDelta(String delta) implements ChunkData {
    public static final String TYPE = "reasoning.delta";

    public ReasoningDelta {
      Objects.requireNonNull(delta, "delta");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** A reasoning part ended. */
  record ReasoningEnd() implements ChunkData {
    public static final String TYPE = "reasoning.end";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The model began a tool call: its name is known, its arguments are still streaming (a UI can
   * show "calling …" at once). The complete call follows as {@code tool.call} with the same id.
   *
   * @param toolCallId the call's id
   * @param toolName the tool
   */
  record ToolInputStart(String toolCallId, String toolName) implements ChunkData {
    public static final String TYPE = "tool.input-start";

    public ToolInputStart {
      Objects.requireNonNull(toolCallId, "toolCallId");
      Objects.requireNonNull(toolName, "toolName");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The model called a tool.
   *
   * @param toolCallId the call's id
   * @param toolName the tool
   * @param input the arguments, a JSON value
   * @param origin {@code server} (run by the worker) or {@code client} (answered through the API)
   */
  record ToolCall(String toolCallId, String toolName, JsonNode input, String origin)
      implements ChunkData {
    public static final String TYPE = "tool.call";

    public ToolCall {
      Objects.requireNonNull(toolCallId, "toolCallId");
      Objects.requireNonNull(toolName, "toolName");
      origin = origin == null ? "server" : origin;
      if (!origin.equals("server") && !origin.equals("client")) {
        throw new IllegalArgumentException("origin must be server or client");
      }
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A tool's answer.
   *
   * @param toolCallId the call answered
   * @param output the result, a JSON value; absent when the tool failed
   * @param errorText why the tool failed, absent on success
   * @param denied true when the call needed an approval that was denied or not given in time (the
   *     tool did not run; {@code errorText} says why); absent otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ToolResult(String toolCallId, JsonNode output, String errorText, Boolean denied)
      implements ChunkData {
    public static final String TYPE = "tool.result";

    public ToolResult {
      Objects.requireNonNull(toolCallId, "toolCallId");
      denied = Boolean.TRUE.equals(denied) ? Boolean.TRUE : null;
    }

    /** A tool's result or failure (not a denial). */
    public ToolResult(String toolCallId, JsonNode output, String errorText) {
      this(toolCallId, output, errorText, null);
    }

    /** True when the call was not run because its approval was denied (or timed out). */
    public boolean wasDenied() {
      return Boolean.TRUE.equals(denied);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A tool call waits for a person's approval before it runs (issue #27): the run is parked until
   * {@code POST /api/v1/runs/{uuid}/tool-approvals} answers it, or its approval times out.
   *
   * @param approvalId the approval's id, which the answer names
   * @param toolCallId the call waiting for it
   */
  record ToolApprovalRequest(String approvalId, String toolCallId) implements ChunkData {
    public static final String TYPE = "tool.approval-request";

    public ToolApprovalRequest {
      Objects.requireNonNull(approvalId, "approvalId");
      Objects.requireNonNull(toolCallId, "toolCallId");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A stage update for user interfaces that show the agent's state.
   *
   * @param missionLabel short label of the current mission
   * @param mood the agent's mood
   * @param leftPanel what the left panel shows
   * @param rightPanel what the right panel shows
   * @param stageTarget the stage's target
   */
  record Stage(
      String missionLabel, String mood, String leftPanel, String rightPanel, String stageTarget)
      implements ChunkData {
    public static final String TYPE = "stage";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A document's processing stage: {@code extract_started}, {@code extract_completed} or {@code
   * extract_failed} for a file of the request, or a stage a model reports.
   *
   * @param stage the stage
   * @param fileName its file name
   * @param error why it failed, for {@code extract_failed}; null otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Doc(String stage, String fileName, String error) implements ChunkData {
    public static final String TYPE = "doc";

    /** A stage without an error. */
    public Doc(String stage, String fileName) {
      this(stage, fileName, null);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * Documents retrieved from a knowledge store for the prompt (project chat's knowledge base).
   *
   * @param documents what was retrieved, in rank order
   */
  record Retrieved(List<RetrievedDocument> documents) implements ChunkData {
    public static final String TYPE = "retrieved";

    public Retrieved {
      documents = documents == null ? List.of() : List.copyOf(documents);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * One retrieved document.
   *
   * @param name its name (e.g. its path in the project)
   * @param documentType its document type (e.g. {@code ARCHITECTURE_SPEC}), or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RetrievedDocument(String name, String documentType) {}

  /**
   * An image was produced.
   *
   * @param url where it is
   * @param mediaType its media type
   * @param prompt the prompt that made it, if any
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Image(String url, String mediaType, String prompt) implements ChunkData {
    public static final String TYPE = "image";

    public Image {
      Objects.requireNonNull(url, "url");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * Tokens used by the run so far (cumulative).
   *
   * @param model the model's id
   * @param inputTokens prompt tokens: instructions, history and the message
   * @param outputTokens generated tokens
   */
  record Usage(String model, long inputTokens, long outputTokens) implements ChunkData {
    public static final String TYPE = "usage";

    public Usage {
      if (inputTokens < 0 || outputTokens < 0) {
        throw new IllegalArgumentException("token counts must be >= 0");
      }
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * Something went wrong in the run.
   *
   * @param code a stable machine-readable code
   * @param message a human-readable message
   * @param retryable whether running again may succeed
   */
  record Error(String code, String message, boolean retryable) implements ChunkData {
    public static final String TYPE = "error";

    /**
     * The code of the lease reaper's end of a run whose worker was lost: its seq is fenced off past
     * the lost worker's output.
     */
    public static final String WORKER_LOST = "worker_lost";

    /** Whether this is the lease reaper's end of a run whose worker was lost. */
    public boolean workerLost() {
      return WORKER_LOST.equals(code);
    }

    public Error {
      Objects.requireNonNull(code, "code");
      message = message == null ? "" : message;
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A step ended.
   *
   * @param finishReason why the model stopped: {@code stop}, {@code length}, {@code tool-calls},
   *     ...
   */
  record StepFinished(String finishReason) implements ChunkData {
    public static final String TYPE = "step.finished";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The run was stopped on request; {@link RunFinished} with status {@code cancelled} follows.
   *
   * @param reason why it stopped
   */
  record RunAborted(String reason) implements ChunkData {
    public static final String TYPE = "run.aborted";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The run ended; nothing of the run follows.
   *
   * @param status {@code completed}, {@code cancelled} or {@code failed}
   * @param finishReason the last step's finish reason, or why the run stopped
   * @param orgId the organisation the run is billed to (since 2026-12-02; absent in older records)
   * @param userId the user who started the run, if any (since 2026-12-02)
   * @param model the run's model (since 2026-12-02), so that the last record alone attributes the
   *     run
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RunFinished(
      String status, String finishReason, UUID orgId, UUID userId, RunRequested.ModelRef model)
      implements ChunkData {
    public static final String TYPE = "run.finished";

    public RunFinished {
      Objects.requireNonNull(status, "status");
      if (!status.equals("completed") && !status.equals("cancelled") && !status.equals("failed")) {
        throw new IllegalArgumentException("status must be completed, cancelled or failed");
      }
    }

    /** A run end without attribution (the emitter adds it). */
    public RunFinished(String status, String finishReason) {
      this(status, finishReason, null, null, null);
    }

    /** This end, attributed to an organisation, a user and the run's model. */
    public RunFinished attributed(UUID org, UUID user, RunRequested.ModelRef runModel) {
      return new RunFinished(status, finishReason, org, user, runModel);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public boolean terminal() {
      return true;
    }
  }

  /**
   * A chunk type this version does not know (written by a newer producer); kept as raw JSON.
   *
   * @param type its wire name
   * @param raw its data
   */
  record Unrecognized(String type, JsonNode raw) implements ChunkData {}
}
