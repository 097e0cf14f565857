package io.runstream.ingest.admission;

import io.runstream.schemas.RunRequested;
import java.util.List;
import java.util.UUID;

/**
 * A validated request to run the agent once.
 *
 * @param sessionId the session to continue, or null for a new one
 * @param text the user's message
 * @param title the new session's title (blank: generated later)
 * @param metadataJson the message's (and a new session's) metadata, a JSON object
 * @param model the model, or null for the default
 * @param instructions system instructions, or null
 * @param history inline history, or null to use the session's transcript
 * @param simulation simulated model knobs, or null
 */
public record RunInput(
    UUID sessionId,
    String text,
    String title,
    String metadataJson,
    RunRequested.ModelRef model,
    String instructions,
    List<RunRequested.HistoryEntry> history,
    RunRequested.Simulation simulation) {}
