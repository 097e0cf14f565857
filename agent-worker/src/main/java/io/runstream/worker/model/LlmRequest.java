package io.runstream.worker.model;

import io.runstream.schemas.RunRequested;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * What a model is asked in one step of a run.
 *
 * @param modelId the provider's model id
 * @param instructions system instructions, or null
 * @param history earlier turns, oldest first
 * @param input the user's message
 * @param simulation knobs of the simulated model, or null
 * @param tools the tools the model may call, with the names runs use (providers map them to what they accept)
 * @param steps this run's earlier steps: what the model said and called, and the tools' results
 * @param settings pass-through model settings of the request, or null
 */
public record LlmRequest(
    String modelId,
    String instructions,
    List<RunRequested.HistoryEntry> history,
    String input,
    RunRequested.Simulation simulation,
    List<ToolDefinition> tools,
    List<Step> steps,
    JsonNode settings) {

  public LlmRequest {
    history = history == null ? List.of() : List.copyOf(history);
    tools = tools == null ? List.of() : List.copyOf(tools);
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** A first step without tools. */
  public LlmRequest(
      String modelId,
      String instructions,
      List<RunRequested.HistoryEntry> history,
      String input,
      RunRequested.Simulation simulation) {
    this(modelId, instructions, history, input, simulation, List.of(), List.of(), null);
  }

  /** The same request for the next step, after {@code step}. */
  public LlmRequest next(Step step) {
    List<Step> all = new java.util.ArrayList<>(steps);
    all.add(step);
    return new LlmRequest(modelId, instructions, history, input, simulation, tools, all, settings);
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
   * One finished step: the model's text, its tool calls and their outcomes (one per call, same order).
   *
   * @param text the text the model wrote in the step
   * @param calls the tool calls it made
   * @param outcomes the tools' answers
   * @param reasoning the reasoning it wrote, or empty
   * @param reasoningSignature the provider's signature of that reasoning (Anthropic needs it replayed), or null
   */
  public record Step(
      String text, List<ToolCall> calls, List<ToolOutcome> outcomes, String reasoning, String reasoningSignature) {
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
