package io.runstream.sink.usage;

import java.util.UUID;

/**
 * What the roll-ups keep of a run until it ends (the per-run store's value).
 *
 * @param firstSeenAt when this application first saw the run (wall clock, epoch ms), to forget
 *     abandoned tallies
 * @param orgId the organisation, once known
 * @param userId the user, once known
 * @param model the model id, once known
 * @param startedAt the {@code run.started} chunk's time (epoch ms), null until seen
 * @param firstTokenAt the first text or reasoning delta's time, null until seen
 * @param inputTokens the highest input token count of its usage chunks (they are cumulative)
 * @param outputTokens the highest output token count
 */
public record RunTally(
    long firstSeenAt,
    UUID orgId,
    UUID userId,
    String model,
    Long startedAt,
    Long firstTokenAt,
    long inputTokens,
    long outputTokens) {

  static RunTally first(long now) {
    return new RunTally(now, null, null, null, null, null, 0, 0);
  }

  RunTally attributed(UUID org, UUID user, String modelId) {
    return new RunTally(
        firstSeenAt,
        orgId != null ? orgId : org,
        userId != null ? userId : user,
        model != null ? model : modelId,
        startedAt,
        firstTokenAt,
        inputTokens,
        outputTokens);
  }

  RunTally started(long at) {
    return new RunTally(
        firstSeenAt, orgId, userId, model, at, firstTokenAt, inputTokens, outputTokens);
  }

  RunTally firstToken(long at) {
    return new RunTally(
        firstSeenAt, orgId, userId, model, startedAt, at, inputTokens, outputTokens);
  }

  RunTally usage(long input, long output) {
    return new RunTally(
        firstSeenAt,
        orgId,
        userId,
        model,
        startedAt,
        firstTokenAt,
        Math.max(inputTokens, input),
        Math.max(outputTokens, output));
  }
}
