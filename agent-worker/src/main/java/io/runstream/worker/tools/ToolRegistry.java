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
 * The server tools of this worker (built in, and those of the configured MCP servers), and which
 * tools a run offers its model: every server tool, or those the request's {@code availableTools}
 * whitelists (on every face), plus the client tools the request brings.
 */
@Component
public class ToolRegistry {
  private final Map<String, ServerTool> builtIn = new LinkedHashMap<>();
  private final List<ToolSource> sources;

  public ToolRegistry(List<ServerTool> serverTools, List<ToolSource> sources) {
    for (ServerTool tool : serverTools) {
      builtIn.put(tool.name(), tool);
    }
    this.sources = List.copyOf(sources);
  }

  /** Every server tool now: the built-in ones, then those of the sources (MCP servers). */
  private Map<String, ServerTool> tools() {
    if (sources.isEmpty()) {
      return builtIn;
    }
    Map<String, ServerTool> all = new LinkedHashMap<>(builtIn);
    for (ToolSource source : sources) {
      for (ServerTool tool : source.tools()) {
        all.putIfAbsent(tool.name(), tool);
      }
    }
    return all;
  }

  /** The server tool of that name, if the run may use it. */
  public ServerTool server(RunRequested request, String name) {
    ServerTool tool = tools().get(name);
    return tool != null && allowed(request, name) ? tool : null;
  }

  /** True if the run's client exposes a tool of that name. */
  public static boolean client(RunRequested request, String name) {
    return request.tools() != null && request.tools().stream().anyMatch(t -> t.name().equals(name));
  }

  /** True if the run's client declared its tool of that name with {@code needsApproval: true}. */
  public static boolean clientNeedsApproval(RunRequested request, String name) {
    return request.tools() != null
        && request.tools().stream().anyMatch(t -> t.name().equals(name) && t.approvalNeeded());
  }

  /** What the run's model is offered: the allowed server tools, then the client's tools. */
  public List<LlmRequest.ToolDefinition> offered(RunRequested request) {
    List<LlmRequest.ToolDefinition> offered = new ArrayList<>();
    Map<String, ServerTool> tools = tools();
    for (ServerTool tool : tools.values()) {
      if (allowed(request, tool.name())) {
        offered.add(
            new LlmRequest.ToolDefinition(tool.name(), tool.description(), tool.inputSchema()));
      }
    }
    if (request.tools() != null) {
      for (RunRequested.ToolSpec tool : request.tools()) {
        if (!tools.containsKey(tool.name())) {
          offered.add(
              new LlmRequest.ToolDefinition(tool.name(), tool.description(), tool.inputSchema()));
        }
      }
    }
    return offered;
  }

  private static boolean allowed(RunRequested request, String name) {
    return request.availableTools() == null || Set.copyOf(request.availableTools()).contains(name);
  }
}
