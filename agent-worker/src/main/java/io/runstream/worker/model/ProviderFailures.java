package io.runstream.worker.model;

import io.runstream.schemas.EventJson;
import java.time.Duration;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What every provider adapter shares: tool arguments from the wire, tool results for the wire, retry-after. */
public final class ProviderFailures {
  private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

  private ProviderFailures() {}

  /**
   * A tool call's arguments as the model sent them (JSON text, possibly empty); text that is not a JSON object is
   * kept under {@code _invalid_arguments}, so the tool answers with an error the model can read.
   */
  public static JsonNode arguments(String json) {
    if (json == null || json.isBlank()) {
      return EventJson.MAPPER.createObjectNode();
    }
    try {
      JsonNode node = EventJson.MAPPER.readTree(json);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (RuntimeException e) {
      // fall through
    }
    ObjectNode invalid = EventJson.MAPPER.createObjectNode();
    invalid.put("_invalid_arguments", json);
    return invalid;
  }

  /** A stream that ended before the provider said why (the SDKs take a clean end of the body as the end). */
  public static ModelFailure cut() {
    return new ModelFailure("provider_stream_cut", "The model provider's stream ended before the answer did.", true);
  }

  /** A tool's outcome as the text a provider's tool-result message carries. */
  public static String resultText(LlmRequest.ToolOutcome outcome) {
    if (outcome.error() != null) {
      return EventJson.MAPPER.writeValueAsString(EventJson.MAPPER.createObjectNode().put("error", outcome.error()));
    }
    JsonNode output = outcome.output();
    if (output == null || output.isNull()) {
      return "null";
    }
    return output.isString() ? output.asString() : EventJson.MAPPER.writeValueAsString(output);
  }

  /**
   * The wait a provider asked for: {@code retry-after-ms}, else {@code Retry-After} in seconds (capped at 30 s);
   * null if it gave none that can be read.
   */
  public static Duration retryAfter(List<String> millis, List<String> seconds) {
    try {
      if (millis != null && !millis.isEmpty()) {
        return min(Duration.ofMillis((long) Double.parseDouble(millis.getFirst().strip())));
      }
      if (seconds != null && !seconds.isEmpty()) {
        return min(Duration.ofMillis((long) (Double.parseDouble(seconds.getFirst().strip()) * 1000)));
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }

  private static Duration min(Duration wait) {
    return wait.isNegative() ? Duration.ZERO : wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
  }
}
