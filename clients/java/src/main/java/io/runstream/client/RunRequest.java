package io.runstream.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The body of {@code POST /api/v1/runs}: the user's message and what goes with it. {@link #field}
 * sets any other field of the API (for example {@code simulation}, {@code files}, {@code history})
 * as a JSON-serialisable value.
 */
public final class RunRequest {
  private final Map<String, Object> body = new LinkedHashMap<>();
  private final List<Map<String, Object>> tools = new ArrayList<>();

  private RunRequest(String input) {
    body.put("input", input);
  }

  /** A run answering {@code input}, in a new session unless {@link #session} names one. */
  public static RunRequest of(String input) {
    return new RunRequest(input);
  }

  /** The session the run continues (its owner or an administrator of its organisation). */
  public RunRequest session(UUID sessionId) {
    body.put("session_uuid", sessionId.toString());
    return this;
  }

  /** System instructions for this run. */
  public RunRequest instructions(String instructions) {
    body.put("instructions", instructions);
    return this;
  }

  /** The model, {@code provider/model-id} (e.g. {@code openai/gpt-4o-mini}). */
  public RunRequest model(String model) {
    body.put("model", model);
    return this;
  }

  /** Metadata stored with the run's messages. */
  public RunRequest metadata(Map<String, ?> metadata) {
    body.put("metadata", Map.copyOf(metadata));
    return this;
  }

  /**
   * A client tool: the model may call it, the stream shows the call ({@link StreamPart.ToolCall})
   * and the run waits for {@link RunstreamClient#submitToolResult}.
   *
   * @param inputSchema the JSON Schema of its input (a Map, a JsonNode, or null)
   */
  public RunRequest tool(String name, String description, Object inputSchema) {
    Map<String, Object> tool = new LinkedHashMap<>();
    tool.put("name", name);
    if (description != null) {
      tool.put("description", description);
    }
    if (inputSchema != null) {
      tool.put("inputSchema", inputSchema);
    }
    tools.add(tool);
    body.put("tools", tools);
    return this;
  }

  /** Any other field of the request body. */
  public RunRequest field(String name, Object value) {
    body.put(name, value);
    return this;
  }

  Map<String, Object> body() {
    return body;
  }
}
