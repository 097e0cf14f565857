package io.runstream.worker.model;

import io.runstream.schemas.RunRequested;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a model is asked in one step of a run.
 *
 * @param modelId the provider's model id
 * @param instructions system instructions, or null
 * @param history earlier turns, oldest first
 * @param input the user's message
 * @param simulation knobs of the simulated model, or null
 * @param tools the tools the model may call, with the names runs use (providers map them to what
 *     they accept)
 * @param steps this run's earlier steps: what the model said and called, and the tools' results
 * @param settings pass-through model settings of the request, or null
 * @param context what the model is told before the message: the identity block, the user's context
 *     nodes and the files' text (see {@link #prompt()}); empty when there is none
 * @param documents the files' extracted text, also inside {@code context}
 * @param images images for vision-capable models, sent with the message
 */
public record LlmRequest(
    String modelId,
    String instructions,
    List<RunRequested.HistoryEntry> history,
    String input,
    RunRequested.Simulation simulation,
    List<ToolDefinition> tools,
    List<Step> steps,
    JsonNode settings,
    String context,
    List<Document> documents,
    List<RunRequested.ImageRef> images) {

  /** Between the context and the message in {@link #prompt()}. */
  public static final String CONTEXT_SEPARATOR = "\n\n---\n\n";

  public LlmRequest {
    history = history == null ? List.of() : List.copyOf(history);
    tools = tools == null ? List.of() : List.copyOf(tools);
    steps = steps == null ? List.of() : List.copyOf(steps);
    context = context == null ? "" : context;
    documents = documents == null ? List.of() : List.copyOf(documents);
    images = images == null ? List.of() : List.copyOf(images);
  }

  /** A request without context, files or images. */
  public LlmRequest(
      String modelId,
      String instructions,
      List<RunRequested.HistoryEntry> history,
      String input,
      RunRequested.Simulation simulation,
      List<ToolDefinition> tools,
      List<Step> steps,
      JsonNode settings) {
    this(
        modelId,
        instructions,
        history,
        input,
        simulation,
        tools,
        steps,
        settings,
        "",
        List.of(),
        List.of());
  }

  /**
   * The user's turn as the model gets it: the context, a {@code ---} line and the message (the
   * shape of seed 000's hydrated prompt), or the message alone when there is no context.
   */
  public String prompt() {
    return context.isEmpty() ? input : context + CONTEXT_SEPARATOR + input;
  }

  /**
   * A file's extracted text.
   *
   * @param name its file name
   * @param text its text (possibly cut at the configured bound)
   */
  public record Document(String name, String text) {}

  /** A first step without tools. */
  public LlmRequest(
      String modelId,
      String instructions,
      List<RunRequested.HistoryEntry> history,
      String input,
      RunRequested.Simulation simulation) {
    this(
        modelId,
        instructions,
        history,
        input,
        simulation,
        List.of(),
        List.of(),
        null,
        "",
        List.of(),
        List.of());
  }

  /** The setting that bounds the output tokens of a whole run (the Responses face's field). */
  public static final String MAX_OUTPUT_TOKENS = "max_output_tokens";

  /**
   * The most output tokens this call may write: the provider's configured bound, lowered by the
   * run's {@value #MAX_OUTPUT_TOKENS} setting (what is left of it when the loop passes {@link
   * #capped}).
   */
  public int maxTokens(int configured) {
    Long cap = outputCap();
    return cap == null ? configured : (int) Math.max(1, Math.min(configured, cap));
  }

  /** The run's bound on output tokens from its settings, or null. */
  public Long outputCap() {
    return settings != null && settings.path(MAX_OUTPUT_TOKENS).canConvertToLong()
        ? settings.path(MAX_OUTPUT_TOKENS).asLong()
        : null;
  }

  /** The same request with {@code remaining} output tokens left of the run's bound. */
  public LlmRequest capped(long remaining) {
    ObjectNode capped =
        settings instanceof ObjectNode object
            ? object.deepCopy()
            : JsonNodeFactory.instance.objectNode();
    capped.put(MAX_OUTPUT_TOKENS, remaining);
    return with(steps, capped);
  }

  /** The same request for the next step, after {@code step}. */
  public LlmRequest next(Step step) {
    List<Step> all = new ArrayList<>(steps);
    all.add(step);
    return with(all, settings);
  }

  private LlmRequest with(List<Step> steps, JsonNode settings) {
    return new LlmRequest(
        modelId,
        instructions,
        history,
        input,
        simulation,
        tools,
        steps,
        settings,
        context,
        documents,
        images);
  }

  /**
   * A tool the model may call.
   *
   * @param name its name as runs use it (e.g. {@code memory.store})
   * @param description what it does
   * @param inputSchema the JSON Schema of its arguments (an object schema)
   */
  public record ToolDefinition(String name, String description, JsonNode inputSchema) {}

  /**
   * A tool call the model made.
   *
   * @param id the call's id
   * @param name the tool, with the name runs use
   * @param input its arguments
   */
  public record ToolCall(String id, String name, JsonNode input) {}

  /**
   * A tool's answer to a call.
   *
   * @param id the call's id
   * @param output the result, or null when the tool failed
   * @param error why it failed, or null
   */
  public record ToolOutcome(String id, JsonNode output, String error) {}

  /**
   * One finished step: the model's text, its tool calls and their outcomes (one per call, same
   * order).
   *
   * @param text the text the model wrote in the step
   * @param calls the tool calls it made
   * @param outcomes the tools' answers
   * @param reasoning the reasoning it wrote, or empty
   * @param reasoningSignature the provider's signature of that reasoning (Anthropic needs it
   *     replayed), or null
   */
  public record Step(
      String text,
      List<ToolCall> calls,
      List<ToolOutcome> outcomes,
      String reasoning,
      String reasoningSignature) {
    public Step {
      calls = List.copyOf(calls);
      outcomes = List.copyOf(outcomes);
      reasoning = reasoning == null ? "" : reasoning;
    }

    /** A step without reasoning. */
    public Step(String text, List<ToolCall> calls, List<ToolOutcome> outcomes) {
      this(text, calls, outcomes, "", null);
    }
  }
}
