package io.runstream.worker.output;

import io.runstream.core.net.PublicUrls;
import io.runstream.core.startup.StartupFailures;
import io.runstream.worker.tools.McpProperties;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * The URLs the worker calls with what runs produce, checked when it starts: action webhooks ({@code
 * runstream.actions.flows.<slug>.url}) and MCP servers over HTTP ({@code
 * runstream.mcp.servers.<name>.url}) must be public ({@link PublicUrls}) unless {@code
 * runstream.security.urls} allows them; a refused one stops the start with one line naming the
 * setting. Their names are looked up, {@value #LOOK_UP_SECONDS} s at most: a name that does not
 * resolve yet is let through. Model providers' {@code base-url}s are not checked (a local Ollama is
 * normal).
 */
@Component
public class OutboundUrls {
  static final int LOOK_UP_SECONDS = 2;

  public OutboundUrls(ActionProperties actions, McpProperties mcp, PublicUrls publicUrls) {
    Map<String, String> urls = new TreeMap<>();
    actions
        .flows()
        .forEach(
            (slug, flow) -> {
              if (flow.url() != null) {
                urls.put("runstream.actions.flows." + slug + ".url", flow.url().toString());
              }
            });
    mcp.servers()
        .forEach(
            (name, server) -> {
              if (server.url() != null && !server.url().isBlank()) {
                urls.put("runstream.mcp.servers." + name + ".url", server.url().strip());
              }
            });
    Map<String, PublicUrls.Refusal> refused =
        publicUrls.refusals(urls.values(), Duration.ofSeconds(LOOK_UP_SECONDS));
    urls.forEach(
        (setting, url) ->
            Optional.ofNullable(refused.get(url))
                .ifPresent(
                    refusal -> {
                      throw new StartupFailures.SettingRefused(
                          setting + " " + refusal.explanation() + ".");
                    }));
  }
}
