package io.runstream.admission;

import io.runstream.schemas.RunRequested;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

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
 * @param extras what faces other than the sessions API add (a session key, tools, files, ...)
 */
public record RunInput(
    UUID sessionId,
    String text,
    String title,
    String metadataJson,
    RunRequested.ModelRef model,
    String instructions,
    List<RunRequested.HistoryEntry> history,
    RunRequested.Simulation simulation,
    Extras extras) {

  public RunInput {
    extras = extras == null ? Extras.NONE : extras;
  }

  /** The same input with other system instructions. */
  public RunInput withInstructions(String instructions) {
    return new RunInput(
        sessionId, text, title, metadataJson, model, instructions, history, simulation, extras);
  }

  /**
   * The optional parts of a run request beyond the sessions API's (see {@link RunRequested} for
   * each).
   *
   * @param face the face that admits the run; null = canonical
   * @param sessionKey the face's own key of the session to continue or create (with {@code face}),
   *     or null
   * @param agentRole the agent role asked for
   * @param context free-form context object
   * @param settings pass-through model settings
   * @param tools tools the client exposes
   * @param availableTools whitelist of server tools
   * @param files documents to extract into the prompt
   * @param images images for vision-capable models
   * @param memoryTtlSeconds time to live of memory writes
   * @param historyLimit most stored messages loaded as history
   * @param projectId the project whose knowledge store the prompt draws on
   */
  public record Extras(
      String face,
      String sessionKey,
      String agentRole,
      JsonNode context,
      JsonNode settings,
      List<RunRequested.ToolSpec> tools,
      List<String> availableTools,
      List<RunRequested.FileRef> files,
      List<RunRequested.ImageRef> images,
      Long memoryTtlSeconds,
      Integer historyLimit,
      String projectId) {
    /** Nothing beyond the sessions API. */
    public static final Extras NONE =
        new Extras(null, null, null, null, null, null, null, null, null, null, null, null);
  }
}
