package io.runstream.worker.model;

import io.runstream.schemas.RunRequested;
import java.util.List;

/**
 * What a model is asked.
 *
 * @param modelId the provider's model id
 * @param instructions system instructions, or null
 * @param history earlier turns, oldest first
 * @param input the user's message
 * @param simulation knobs of the simulated model, or null
 */
public record LlmRequest(
    String modelId,
    String instructions,
    List<RunRequested.HistoryEntry> history,
    String input,
    RunRequested.Simulation simulation) {}
