package io.runstream.client;

import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/runs/{uuid}}: {@code queued}, {@code running}, {@code completed}, {@code
 * failed} or {@code cancelled}, with the usage so far and the error of a failed run; final as soon
 * as a reader has received the run's last event.
 */
public record RunStatus(
    String status, long inputTokens, long outputTokens, String error, JsonNode json) {
  /** True once the run has ended. */
  public boolean ended() {
    return switch (status) {
      case "completed", "failed", "cancelled" -> true;
      default -> false;
    };
  }
}
