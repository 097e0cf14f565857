package io.runstream.client;

import java.util.UUID;

/**
 * A session started with its first message: the session, the run answering the message (read it
 * with {@link RunstreamClient#stream}), the user message and the session's stream URL.
 */
public record StartedSession(
    UUID sessionId, UUID runId, UUID messageId, String title, String streamUrl) {}
