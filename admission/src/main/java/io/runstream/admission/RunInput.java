package io.runstream.admission;

import io.runstream.schemas.RunRequested;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
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

  /** A run request for the message {@code text}, its other parts set by name. */
  public static Builder builder(String text) {
    return new Builder(text);
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

    /** The extras of a face's run request, set by name; what is not set is absent (null). */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds {@link Extras} by name (see each component's description). */
    public static final class Builder {
      private String face;
      private String sessionKey;
      private String agentRole;
      private JsonNode context;
      private JsonNode settings;
      private List<RunRequested.ToolSpec> tools;
      private List<String> availableTools;
      private List<RunRequested.FileRef> files;
      private List<RunRequested.ImageRef> images;
      private Long memoryTtlSeconds;
      private Integer historyLimit;
      private String projectId;

      private Builder() {}

      /** The face that admits the run and its own key of the session (null: none). */
      public Builder face(String face, String sessionKey) {
        this.face = face;
        this.sessionKey = sessionKey;
        return this;
      }

      public Builder agentRole(String agentRole) {
        this.agentRole = agentRole;
        return this;
      }

      public Builder context(JsonNode context) {
        this.context = context;
        return this;
      }

      public Builder settings(JsonNode settings) {
        this.settings = settings;
        return this;
      }

      public Builder tools(List<RunRequested.ToolSpec> tools) {
        this.tools = tools;
        return this;
      }

      public Builder availableTools(List<String> availableTools) {
        this.availableTools = availableTools;
        return this;
      }

      public Builder files(List<RunRequested.FileRef> files) {
        this.files = files;
        return this;
      }

      public Builder images(List<RunRequested.ImageRef> images) {
        this.images = images;
        return this;
      }

      public Builder memoryTtlSeconds(Long memoryTtlSeconds) {
        this.memoryTtlSeconds = memoryTtlSeconds;
        return this;
      }

      public Builder historyLimit(Integer historyLimit) {
        this.historyLimit = historyLimit;
        return this;
      }

      public Builder projectId(String projectId) {
        this.projectId = projectId;
        return this;
      }

      public Extras build() {
        return new Extras(
            face,
            sessionKey,
            agentRole,
            context,
            settings,
            tools,
            availableTools,
            files,
            images,
            memoryTtlSeconds,
            historyLimit,
            projectId);
      }
    }
  }

  /**
   * Builds a {@link RunInput} by name: the message is required, everything else is absent (null)
   * unless set; the face's {@link Extras} through the same builder.
   */
  public static final class Builder {
    private final String text;
    private final Extras.Builder extras = Extras.builder();
    private UUID sessionId;
    private String title;
    private String metadataJson;
    private RunRequested.ModelRef model;
    private String instructions;
    private List<RunRequested.HistoryEntry> history;
    private RunRequested.Simulation simulation;

    private Builder(String text) {
      this.text = text;
    }

    public Builder sessionId(UUID sessionId) {
      this.sessionId = sessionId;
      return this;
    }

    public Builder title(String title) {
      this.title = title;
      return this;
    }

    public Builder metadataJson(String metadataJson) {
      this.metadataJson = metadataJson;
      return this;
    }

    public Builder model(RunRequested.ModelRef model) {
      this.model = model;
      return this;
    }

    public Builder instructions(String instructions) {
      this.instructions = instructions;
      return this;
    }

    public Builder history(List<RunRequested.HistoryEntry> history) {
      this.history = history;
      return this;
    }

    public Builder simulation(RunRequested.Simulation simulation) {
      this.simulation = simulation;
      return this;
    }

    /** The face's extras ({@link Extras.Builder}), set in place. */
    public Builder extras(Consumer<Extras.Builder> set) {
      set.accept(extras);
      return this;
    }

    public RunInput build() {
      return new RunInput(
          sessionId,
          text,
          title,
          metadataJson,
          model,
          instructions,
          history,
          simulation,
          extras.build());
    }
  }
}
