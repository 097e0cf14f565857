package io.runstream.worker.tools;

import io.runstream.schemas.RunRequested;
import io.runstream.worker.model.LlmRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The server tools of this worker, and which tools a run offers its model: every registered server tool, or those the
 * request's {@code availableTools} whitelists (on every face), plus the client tools the request brings.
 */
@Component
public class ToolRegistry {
  private final Map<String, ServerTool> tools = new LinkedHashMap<>();

  public ToolRegistry(List<ServerTool> serverTools) {
    for (ServerTool tool : serverTools) {
      tools.put(tool.name(), tool);
    }
  }

  /** The server tool of that name, if the run may use it. */
  public ServerTool server(RunRequested request, String name) {
    ServerTool tool = tools.get(name);
    return tool != null && allowed(request, name) ? tool : null;
  }

  /** True if the run's client exposes a tool of that name. */
  public static boolean client(RunRequested request, String name) {
    return request.tools() != null && request.tools().stream().anyMatch(t -> t.name().equals(name));
  }

  /** What the run's model is offered: the allowed server tools, then the client's tools. */
  public List<LlmRequest.ToolDefinition> offered(RunRequested request) {
    List<LlmRequest.ToolDefinition> offered = new ArrayList<>();
    for (ServerTool tool : tools.values()) {
      if (allowed(request, tool.name())) {
        offered.add(new LlmRequest.ToolDefinition(tool.name(), tool.description(), tool.inputSchema()));
      }
    }
    if (request.tools() != null) {
      for (RunRequested.ToolSpec tool : request.tools()) {
        if (!tools.containsKey(tool.name())) {
          offered.add(new LlmRequest.ToolDefinition(tool.name(), tool.description(), tool.inputSchema()));
        }
      }
    }
    return offered;
  }

  private static boolean allowed(RunRequested request, String name) {
    return request.availableTools() == null || Set.copyOf(request.availableTools()).contains(name);
  }
}
