package io.runstream.worker.tools;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tools of the configured MCP servers, through the MCP Java SDK: each server is connected in
 * the background when the worker starts (a slow or broken server never holds up the worker or a
 * run: runs are offered the tools of the servers connected so far), its tools listed and offered as
 * {@code <server>.<tool>}; a server that failed is connected again in the background, at most every
 * {@value #RETRY_MS} ms, when runs ask for tools. A tool's error result is the call's error; its
 * result is {@code structuredContent} when the tool gives one, else its text (or its content).
 */
@Component
public class McpTools implements ToolSource, DisposableBean, SmartInitializingSingleton {
  private static final Logger LOG = LoggerFactory.getLogger(McpTools.class);
  private static final long RETRY_MS = 5_000;

  private final McpProperties properties;
  private final Map<String, Connection> connections = new ConcurrentHashMap<>();
  private final Set<String> connecting = ConcurrentHashMap.newKeySet();

  public McpTools(McpProperties properties) {
    this.properties = properties;
  }

  /** A connected server and its tools, or when it last failed. */
  private record Connection(McpSyncClient client, List<ServerTool> tools, long failedAtMillis) {}

  @Override
  public void afterSingletonsInstantiated() {
    tools();
  }

  @Override
  public List<ServerTool> tools() {
    List<ServerTool> all = new ArrayList<>();
    properties
        .servers()
        .forEach(
            (name, server) -> {
              Connection current = connections.get(name);
              boolean due =
                  current == null
                      || current.client() == null
                          && System.currentTimeMillis() - current.failedAtMillis() >= RETRY_MS;
              if (due && connecting.add(name)) {
                Thread.ofVirtual()
                    .name("mcp-connect-" + name)
                    .start(
                        () -> {
                          try {
                            connect(name, server);
                          } finally {
                            connecting.remove(name);
                          }
                        });
              }
              if (current != null) {
                all.addAll(current.tools());
              }
            });
    return all;
  }

  private void connect(String name, McpProperties.Server server) {
    Connection fresh;
    McpSyncClient client = null;
    try {
      client =
          McpClient.sync(transport(server))
              .requestTimeout(server.requestTimeout())
              .initializationTimeout(server.requestTimeout())
              .clientInfo(McpSchema.Implementation.builder("runstream", "1").build())
              .build();
      client.initialize();
      List<ServerTool> tools = new ArrayList<>();
      String cursor = null;
      do {
        McpSchema.ListToolsResult page =
            cursor == null ? client.listTools() : client.listTools(cursor);
        for (McpSchema.Tool tool : page.tools()) {
          tools.add(new Remote(name, tool, client));
        }
        cursor = page.nextCursor();
      } while (cursor != null);
      LOG.info("MCP server {}: {} tools", name, tools.size());
      fresh = new Connection(client, List.copyOf(tools), 0);
    } catch (RuntimeException | LinkageError e) {
      LOG.warn(
          "MCP server {} is unavailable ({}); its tools are not offered for now",
          name,
          e.getMessage());
      if (client != null) {
        try {
          client.close();
        } catch (RuntimeException ignored) {
          // already broken
        }
      }
      fresh = new Connection(null, List.of(), System.currentTimeMillis());
    }
    connections.put(name, fresh);
  }

  private static McpClientTransport transport(McpProperties.Server server) {
    McpJsonMapper mapper = McpJsonDefaults.getMapper();
    if (!server.url().isBlank()) {
      URI url = URI.create(server.url());
      String base = url.getScheme() + "://" + url.getAuthority();
      String endpoint =
          url.getRawPath() == null || url.getRawPath().isEmpty() ? "/mcp" : url.getRawPath();
      return HttpClientStreamableHttpTransport.builder(base)
          .endpoint(endpoint)
          .jsonMapper(mapper)
          .build();
    }
    ServerParameters.Builder parameters =
        ServerParameters.builder(server.command()).args(server.args());
    if (!server.env().isEmpty()) {
      parameters.env(server.env());
    }
    StdioClientTransport stdio = new StdioClientTransport(parameters.build(), mapper);
    stdio.setStdErrorHandler(line -> LOG.debug("MCP server stderr: {}", line));
    return stdio;
  }

  /** Forgets a server whose call failed at the transport, so that it is connected again. */
  private synchronized void broken(String server, McpSyncClient client) {
    Connection current = connections.get(server);
    if (current != null && current.client() == client) {
      connections.put(server, new Connection(null, List.of(), System.currentTimeMillis()));
      try {
        client.close();
      } catch (RuntimeException ignored) {
        // already broken
      }
    }
  }

  /** One tool of an MCP server. */
  private final class Remote implements ServerTool {
    private final String server;
    private final McpSchema.Tool tool;
    private final McpSyncClient client;
    private final JsonNode schema;

    Remote(String server, McpSchema.Tool tool, McpSyncClient client) {
      this.server = server;
      this.tool = tool;
      this.client = client;
      this.schema =
          tool.inputSchema() == null
              ? EventJson.MAPPER.createObjectNode().put("type", "object")
              : EventJson.MAPPER.valueToTree(tool.inputSchema());
    }

    @Override
    public String name() {
      return server + "." + tool.name();
    }

    @Override
    public String description() {
      return tool.description() == null ? tool.name() : tool.description();
    }

    @Override
    public JsonNode inputSchema() {
      return schema;
    }

    @Override
    @SuppressWarnings("unchecked")
    public JsonNode call(JsonNode input, RunRequested request) throws ToolException {
      McpSchema.CallToolResult result;
      try {
        result =
            client.callTool(
                McpSchema.CallToolRequest.builder(tool.name())
                    .arguments(EventJson.MAPPER.convertValue(input, Map.class))
                    .build());
      } catch (RuntimeException e) {
        broken(server, client);
        throw new ToolException(
            "The MCP server " + server + " did not answer: " + e.getClass().getSimpleName());
      }
      StringBuilder text = new StringBuilder();
      ArrayNode content = EventJson.MAPPER.createArrayNode();
      for (McpSchema.Content part :
          result.content() == null ? List.<McpSchema.Content>of() : result.content()) {
        if (part instanceof McpSchema.TextContent textPart) {
          text.append(text.isEmpty() ? "" : "\n").append(textPart.text());
        }
        content.add(EventJson.MAPPER.valueToTree(part));
      }
      if (Boolean.TRUE.equals(result.isError())) {
        throw new ToolException(text.isEmpty() ? "The tool failed." : text.toString());
      }
      if (result.structuredContent() != null) {
        return EventJson.MAPPER.valueToTree(result.structuredContent());
      }
      if (content.size() == 1 && !text.isEmpty()) {
        return EventJson.MAPPER.getNodeFactory().stringNode(text.toString());
      }
      ObjectNode output = EventJson.MAPPER.createObjectNode();
      output.set("content", content);
      return output;
    }
  }

  @Override
  public void destroy() {
    for (Connection connection : connections.values()) {
      if (connection.client() != null) {
        try {
          connection.client().closeGracefully();
        } catch (RuntimeException e) {
          LOG.debug("MCP client close: {}", e.getMessage());
        }
      }
    }
  }
}
