package io.runstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A control message to whichever worker holds a run: every worker reads the control topic.
 *
 * @param v schema version, 1
 * @param runId the run; the record key
 * @param sessionId the run's session
 * @param action {@code stop}
 * @param reason why, shown to readers in the {@code abort} event ({@code stop})
 * @param requestedAt when it was asked
 * @param toolCallId the client tool call answered ({@code tool_result})
 * @param output the client tool's output, a JSON value ({@code tool_result})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunControl(
    int v,
    UUID runId,
    UUID sessionId,
    String action,
    String reason,
    Instant requestedAt,
    String toolCallId,
    JsonNode output) {
  /** The current schema version. */
  public static final int SCHEMA_VERSION = 1;

  /** Stop the run: abort the model stream, keep the partial text, end the run as cancelled. */
  public static final String STOP = "stop";

  /** The answer to a client-side tool call the run is waiting for. */
  public static final String TOOL_RESULT = "tool_result";

  public RunControl {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(requestedAt, "requestedAt");
  }

  /** A stop request. */
  public static RunControl stop(UUID runId, UUID sessionId, String reason) {
    return new RunControl(
        SCHEMA_VERSION, runId, sessionId, STOP, reason, Instant.now(), null, null);
  }

  /** A client tool's result. */
  public static RunControl toolResult(
      UUID runId, UUID sessionId, String toolCallId, JsonNode output) {
    return new RunControl(
        SCHEMA_VERSION, runId, sessionId, TOOL_RESULT, null, Instant.now(), toolCallId, output);
  }
}
