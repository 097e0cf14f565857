package io.runstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A request to run the agent once, published by the ingest API after the run row is written.
 *
 * @param v schema version, 1
 * @param runId the run
 * @param sessionId the session the run belongs to; the record key
 * @param orgId the organisation that owns the session
 * @param userId the user who asked
 * @param userMessageId the user message that started the run, if the run has one in the transcript
 * @param agentMessageId the agent message this run generates
 * @param input the user's message text
 * @param instructions system instructions for this run, optional
 * @param model the model to run, optional (the worker's default otherwise)
 * @param seqBase the first chunk sequence number of this run; strictly above the session's previous
 *     run's last
 * @param history inline conversation history; when absent the worker loads the session's last
 *     messages
 * @param simulation knobs of the simulated model (seed, pace, length), optional
 * @param requestedAt when the ingest accepted the run
 * @param chunkTopic the topic the run's chunks go to, decided at admission: absent for the shared
 *     topic {@code runstream.run-chunks}, {@code runstream.run.<runId>} in the per-run-topic layout
 *     (the worker creates it)
 * @param face the API face that admitted the run ({@code canonical}, {@code agent-stream}, ...);
 *     absent = canonical
 * @param agentRole the agent role asked for (agent-stream's {@code agentRole}), optional
 * @param context free-form context object of the request, optional
 * @param settings pass-through model settings of the request, optional
 * @param tools tools the client exposes: the run streams their calls with {@code origin: client},
 *     optional
 * @param availableTools whitelist of server tool names; absent = every registered server tool
 * @param files documents to extract into the prompt, optional
 * @param images inline images for vision-capable models, optional
 * @param memoryTtlSeconds time to live of memory-store writes made during the run, optional
 * @param historyLimit most stored messages loaded as history when {@code history} is absent; absent
 *     = the worker's default
 * @param identity who asked, as the token says (for the model's identity block and tools' {@code
 *     user_id}), optional
 * @param projectId the project whose knowledge store the prompt draws on (project chat), optional
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRequested(
    int v,
    UUID runId,
    UUID sessionId,
    UUID orgId,
    UUID userId,
    UUID userMessageId,
    UUID agentMessageId,
    String input,
    String instructions,
    ModelRef model,
    long seqBase,
    List<HistoryEntry> history,
    Simulation simulation,
    Instant requestedAt,
    String chunkTopic,
    String face,
    String agentRole,
    JsonNode context,
    JsonNode settings,
    List<ToolSpec> tools,
    List<String> availableTools,
    List<FileRef> files,
    List<ImageRef> images,
    Long memoryTtlSeconds,
    Integer historyLimit,
    Identity identity,
    String projectId) {

  /** The current schema version. */
  public static final int SCHEMA_VERSION = 1;

  public RunRequested {
    if (v < 1) {
      throw new IllegalArgumentException("v must be >= 1");
    }
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(agentMessageId, "agentMessageId");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(requestedAt, "requestedAt");
    if (seqBase < 1) {
      throw new IllegalArgumentException("seqBase must be >= 1");
    }
    history = history == null ? null : List.copyOf(history);
    tools = tools == null ? null : List.copyOf(tools);
    availableTools = availableTools == null ? null : List.copyOf(availableTools);
    files = files == null ? null : List.copyOf(files);
    images = images == null ? null : List.copyOf(images);
    if (memoryTtlSeconds != null && memoryTtlSeconds < 1) {
      throw new IllegalArgumentException("memoryTtlSeconds must be >= 1");
    }
    if (historyLimit != null && historyLimit < 0) {
      throw new IllegalArgumentException("historyLimit must be >= 0");
    }
    if (chunkTopic != null
        && !chunkTopic.equals(Topics.runTopic(runId))
        && !chunkTopic.equals(Topics.RUN_CHUNKS.name())) {
      throw new IllegalArgumentException(
          "chunkTopic must be runstream.run-chunks or runstream.run.<runId>");
    }
  }

  /** A request of the canonical face with none of the later optional fields. */
  public RunRequested(
      int v,
      UUID runId,
      UUID sessionId,
      UUID orgId,
      UUID userId,
      UUID userMessageId,
      UUID agentMessageId,
      String input,
      String instructions,
      ModelRef model,
      long seqBase,
      List<HistoryEntry> history,
      Simulation simulation,
      Instant requestedAt,
      String chunkTopic) {
    this(
        v,
        runId,
        sessionId,
        orgId,
        userId,
        userMessageId,
        agentMessageId,
        input,
        instructions,
        model,
        seqBase,
        history,
        simulation,
        requestedAt,
        chunkTopic,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** The topic the run's chunks go to. */
  public String chunkTopicOrShared() {
    return Topics.chunkTopicOf(chunkTopic);
  }

  /**
   * A model reference.
   *
   * @param provider the provider name, e.g. {@code simulated}, {@code openai}, {@code anthropic}
   * @param modelId the provider's model id
   */
  public record ModelRef(String provider, String modelId) {
    public ModelRef {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(modelId, "modelId");
    }
  }

  /**
   * One history entry.
   *
   * @param role {@code user}, {@code assistant} or {@code system}
   * @param content the text
   */
  public record HistoryEntry(String role, String content) {
    public HistoryEntry {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(content, "content");
    }
  }

  /**
   * Who asked, as the token names them.
   *
   * @param userId the user id other systems know: the token's {@code sub}
   * @param email the token's {@code email}, optional
   * @param name the token's {@code name}, optional
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Identity(String userId, String email, String name) {
    public Identity {
      Objects.requireNonNull(userId, "userId");
    }
  }

  /**
   * A tool the client exposes; the model may call it, and the run waits for the client's result.
   *
   * @param name the tool's name
   * @param description what it does, for the model
   * @param inputSchema the JSON Schema of its arguments, optional
   * @param needsApproval true when a call waits for a person's approval before the client is asked
   *     to run it (issue #27); absent otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ToolSpec(
      String name, String description, JsonNode inputSchema, Boolean needsApproval) {
    public ToolSpec {
      Objects.requireNonNull(name, "name");
      needsApproval = Boolean.TRUE.equals(needsApproval) ? Boolean.TRUE : null;
    }

    /** A client tool whose calls need no approval. */
    public ToolSpec(String name, String description, JsonNode inputSchema) {
      this(name, description, inputSchema, null);
    }

    /** True when its calls wait for an approval. */
    public boolean approvalNeeded() {
      return Boolean.TRUE.equals(needsApproval);
    }
  }

  /**
   * A document to extract into the prompt: exactly one of {@code path} (in the operator's uploads
   * directory), {@code url} or {@code content} (inline text or base64) says where it comes from.
   *
   * @param name its file name, shown in {@code doc} chunks
   * @param path a path relative to the configured uploads directory
   * @param url a URL the operator allows
   * @param content inline content
   * @param mediaType its media type, optional
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileRef(String name, String path, String url, String content, String mediaType) {
    public FileRef {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * An image for a vision-capable model: a URL (also a {@code data:} URL) or inline base64 data.
   *
   * @param url where it is
   * @param data inline base64 data, when there is no URL
   * @param mediaType its media type, optional
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ImageRef(String url, String data, String mediaType) {
    public ImageRef {
      if (url == null && data == null) {
        throw new IllegalArgumentException("an image needs a url or data");
      }
    }
  }

  /**
   * Knobs of the simulated model, for tests and benchmarks.
   *
   * @param seed the seed; the same seed and prompt give the same answer
   * @param tokensPerSecond the pace; 0 streams as fast as possible
   * @param outputTokens the answer's length in tokens, approximately
   * @param script what the model does, step by step, instead of one generated answer; optional
   * @param stamp when true, every text delta is exactly {@code tok<N>@<emission time in epoch
   *     milliseconds, microseconds as the fraction> } (N from 0), so an external load generator can
   *     measure delivery latency
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Simulation(
      Long seed,
      Double tokensPerSecond,
      Integer outputTokens,
      List<ScriptStep> script,
      Boolean stamp) {
    public Simulation {
      if (tokensPerSecond != null && (tokensPerSecond < 0 || tokensPerSecond.isNaN())) {
        throw new IllegalArgumentException("tokensPerSecond must be >= 0");
      }
      if (outputTokens != null && outputTokens < 1) {
        throw new IllegalArgumentException("outputTokens must be >= 1");
      }
      script = script == null ? null : List.copyOf(script);
    }

    /** Knobs without a script. */
    public Simulation(Long seed, Double tokensPerSecond, Integer outputTokens) {
      this(seed, tokensPerSecond, outputTokens, null, null);
    }

    /** True if text deltas are stamped with their emission time. */
    public boolean stamped() {
      return Boolean.TRUE.equals(stamp);
    }
  }

  /**
   * One step of a simulated model's script. By {@code type}: {@code text} (streams {@code text}
   * word by word, or a generated answer when absent), {@code reasoning} ({@code text}), {@code
   * tool} (a call of {@code name} with {@code input} and its scripted {@code output}, or {@code
   * error} as the tool's failure; {@code origin} server or client), {@code call} (the model asks to
   * call the tool {@code name} with {@code input}: the run calls it, as it would for a real model,
   * and the script goes on in the next step with the result), {@code doc} ({@code stage}, {@code
   * fileName}), {@code image} ({@code url}, {@code mediaType}, {@code prompt}), {@code fail} (the
   * provider fails: {@code code}, {@code error} as message, {@code retryable}), {@code stage} (a
   * stage update: {@code input} holds {@code missionLabel}, {@code mood}, {@code leftPanel}, {@code
   * rightPanel}, {@code stageTarget}). A {@code text} step with {@code deltas} streams exactly
   * those deltas, in order (to split a word or an action tag across deltas).
   *
   * @param type the step's kind
   * @param text text or reasoning to stream
   * @param name a tool's name
   * @param input a tool call's arguments
   * @param output a tool's result
   * @param error a tool's or the provider's error message
   * @param origin a tool call's origin, {@code server} by default
   * @param stage a document's stage
   * @param fileName a document's file name
   * @param url an image's URL
   * @param mediaType an image's media type
   * @param prompt the prompt that made an image
   * @param code a provider failure's code
   * @param retryable whether a provider failure is retriable
   * @param deltas a text step's exact deltas, instead of {@code text}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ScriptStep(
      String type,
      String text,
      String name,
      JsonNode input,
      JsonNode output,
      String error,
      String origin,
      String stage,
      String fileName,
      String url,
      String mediaType,
      String prompt,
      String code,
      Boolean retryable,
      List<String> deltas) {
    /** The kinds of step. */
    public static final java.util.Set<String> TYPES =
        java.util.Set.of("text", "reasoning", "tool", "call", "doc", "image", "fail", "stage");

    public ScriptStep {
      Objects.requireNonNull(type, "type");
      if (!TYPES.contains(type)) {
        throw new IllegalArgumentException("unknown script step type " + type);
      }
      deltas = deltas == null ? null : List.copyOf(deltas);
    }
  }
}
