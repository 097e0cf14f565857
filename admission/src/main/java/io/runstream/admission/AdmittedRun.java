package io.runstream.admission;

import java.util.UUID;

/**
 * A run the broker acknowledged.
 *
 * @param runId the run
 * @param sessionId its session
 * @param userMessageId the user message it answers
 * @param agentMessageId the agent message it generates
 * @param title the session's title
 */
public record AdmittedRun(
    UUID runId, UUID sessionId, UUID userMessageId, UUID agentMessageId, String title) {}
