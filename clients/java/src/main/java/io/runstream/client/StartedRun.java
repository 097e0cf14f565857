package io.runstream.client;

import java.util.UUID;

/**
 * A run the server accepted (published to the broker): its id, its session and where to read it.
 */
public record StartedRun(UUID runId, UUID sessionId, String streamUrl, String statusUrl) {}
