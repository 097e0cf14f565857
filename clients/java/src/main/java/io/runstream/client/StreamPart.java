package io.runstream.client;

import tools.jackson.databind.JsonNode;

/**
 * One event of a run's stream on the canonical face: an AI SDK UI message stream part with its
 * event id. The id is the resume point: a stream reopened after it continues with the next event.
 */
public sealed interface StreamPart {
  /** The event's id (its {@code id:} line), strictly increasing within a run. */
  long id();

  /** The part's {@code type}, as the server sent it. */
  String type();

  /** {@code start}: the run's agent message begins. */
  record Start(long id, String messageId) implements StreamPart {
    @Override
    public String type() {
      return "start";
    }
  }

  /** {@code text-delta}: more of the answer's text part {@code partId}. */
  record TextDelta(long id, String partId, String delta) implements StreamPart {
    @Override
    public String type() {
      return "text-delta";
    }
  }

  /** {@code reasoning-delta}: more of a reasoning part. */
  record ReasoningDelta(long id, String partId, String delta) implements StreamPart {
    @Override
    public String type() {
      return "reasoning-delta";
    }
  }

  /** {@code tool-input-start}: the model began a tool call. */
  record ToolInputStart(long id, String toolCallId, String toolName) implements StreamPart {
    @Override
    public String type() {
      return "tool-input-start";
    }
  }

  /**
   * {@code tool-input-available}: a tool call with its input. For a client tool (declared in the
   * run request's {@code tools}) the run waits until {@link RunstreamClient#submitToolResult}
   * answers it.
   */
  record ToolCall(long id, String toolCallId, String toolName, JsonNode input)
      implements StreamPart {
    @Override
    public String type() {
      return "tool-input-available";
    }
  }

  /** {@code tool-output-available} (error null) or {@code tool-output-error} (output null). */
  record ToolResult(long id, String toolCallId, JsonNode output, String error)
      implements StreamPart {
    @Override
    public String type() {
      return error == null ? "tool-output-available" : "tool-output-error";
    }
  }

  /**
   * A {@code data-*} part ({@code data-usage}, {@code data-stage}, ...); transient ones are not
   * kept in a message.
   */
  record Data(long id, String type, JsonNode data, boolean transientPart) implements StreamPart {}

  /** {@code file}: an image or file the run produced. */
  record File(long id, String url, String mediaType) implements StreamPart {
    @Override
    public String type() {
      return "file";
    }
  }

  /** {@code error}: the run failed; {@link Finish} follows. */
  record Error(long id, String errorText) implements StreamPart {
    @Override
    public String type() {
      return "error";
    }
  }

  /** {@code abort}: the run was stopped; {@link Finish} follows. */
  record Abort(long id, String reason) implements StreamPart {
    @Override
    public String type() {
      return "abort";
    }
  }

  /** {@code finish}: the run's last event ({@code finishReason} null after a stop). */
  record Finish(long id, String finishReason) implements StreamPart {
    @Override
    public String type() {
      return "finish";
    }
  }

  /**
   * Any other part ({@code start-step}, {@code text-start}, {@code text-end}, {@code finish-step},
   * ...), and parts of later versions of the stream: the JSON as sent.
   */
  record Other(long id, String type, JsonNode json) implements StreamPart {}

  /** The part an event's JSON describes. */
  static StreamPart of(long id, JsonNode json) {
    String type = json.path("type").asString("");
    return switch (type) {
      case "start" -> new Start(id, text(json, "messageId"));
      case "text-delta" -> new TextDelta(id, text(json, "id"), json.path("delta").asString(""));
      case "reasoning-delta" ->
          new ReasoningDelta(id, text(json, "id"), json.path("delta").asString(""));
      case "tool-input-start" ->
          new ToolInputStart(id, text(json, "toolCallId"), text(json, "toolName"));
      case "tool-input-available" ->
          new ToolCall(id, text(json, "toolCallId"), text(json, "toolName"), json.get("input"));
      case "tool-output-available" ->
          new ToolResult(id, text(json, "toolCallId"), json.get("output"), null);
      case "tool-output-error" ->
          new ToolResult(id, text(json, "toolCallId"), null, json.path("errorText").asString(""));
      case "file" -> new File(id, text(json, "url"), text(json, "mediaType"));
      case "error" -> new Error(id, json.path("errorText").asString(""));
      case "abort" -> new Abort(id, text(json, "reason"));
      case "finish" -> new Finish(id, text(json, "finishReason"));
      default ->
          type.startsWith("data-")
              ? new Data(id, type, json.get("data"), json.path("transient").asBoolean(false))
              : new Other(id, type, json);
    };
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    return value == null || value.isNull() ? null : value.asString();
  }
}
