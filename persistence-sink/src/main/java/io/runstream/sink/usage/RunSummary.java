package io.runstream.sink.usage;

import java.util.UUID;

/**
 * One ended run as the roll-ups count it (the repartition topic's value, keyed by organisation,
 * user and model).
 *
 * @param orgId the organisation
 * @param userId the user, if any
 * @param model the model id
 * @param status {@code completed}, {@code cancelled} or {@code failed}
 * @param inputTokens input tokens (its last usage chunk)
 * @param outputTokens output tokens
 * @param timeToFirstTokenMs start to first delta, null if it had none or its start was not seen
 * @param durationMs start to end, null if its start was not seen
 * @param finishedAt when it ended (epoch milliseconds): the window it counts in
 */
public record RunSummary(
    UUID orgId,
    UUID userId,
    String model,
    String status,
    long inputTokens,
    long outputTokens,
    Long timeToFirstTokenMs,
    Long durationMs,
    long finishedAt) {

  /**
   * The grouping key: organisation, user ({@code -} if none) and model, by {@code /} (the model
   * last).
   */
  public String groupKey() {
    return orgId + "/" + (userId == null ? "-" : userId) + "/" + model;
  }
}
