package io.runstream.worker.tools;

import io.runstream.schemas.RunRequested;
import tools.jackson.databind.JsonNode;

/** A tool the worker runs itself. One class per tool (or per family of tools). */
public interface ServerTool {

  /** The tool's name as runs and {@code availableTools} name it, e.g. {@code memory.store}. */
  String name();

  /** What it does, for the model. */
  String description();

  /** The JSON Schema of its arguments (an object schema). */
  JsonNode inputSchema();

  /**
   * Runs the tool for the run's user.
   *
   * @return its result, a JSON value
   * @throws ToolException with a message for the model when the arguments or the tool's work fail
   */
  JsonNode call(JsonNode input, RunRequested request) throws ToolException;

  /** A tool's failure, shown to the model (and the client) as the tool's error. */
  class ToolException extends Exception {
    public ToolException(String message) {
      super(message, null, false, false);
    }
  }
}
