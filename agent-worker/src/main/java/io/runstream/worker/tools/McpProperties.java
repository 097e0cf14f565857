package io.runstream.worker.tools;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The MCP servers whose tools runs may call ({@code runstream.mcp.servers.<name>.*}); a tool {@code
 * t} of server {@code s} is offered as {@code s.t} (and to providers as {@code s_t}).
 *
 * @param servers the servers by name
 */
@ConfigurationProperties("runstream.mcp")
public record McpProperties(@DefaultValue Map<String, Server> servers) {

  public McpProperties {
    servers = servers == null ? Map.of() : Map.copyOf(servers);
  }

  /**
   * One MCP server: launched over stdio ({@code command}, {@code args}, {@code env}) or reached
   * over Streamable HTTP ({@code url}, e.g. {@code http://localhost:3001/mcp}).
   *
   * @param command the program to launch for stdio
   * @param args its arguments
   * @param env extra environment variables
   * @param url the Streamable HTTP endpoint, instead of a command
   * @param requestTimeout how long one request (the start included) may take
   */
  public record Server(
      @DefaultValue("") String command,
      @DefaultValue("") List<String> args,
      @DefaultValue Map<String, String> env,
      @DefaultValue("") String url,
      @DefaultValue("30s") Duration requestTimeout) {}
}
