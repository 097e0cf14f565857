package io.runstream.worker.output;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.tools.ServerTool;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The flows action tags are dispatched to: webhook flows configured by slug ({@link
 * ActionProperties}) and the built-in {@code memory-recall} (the user's memories and context nodes
 * matching {@code query}, or the latest and heaviest without one).
 */
@Component
public class ActionFlows {
  /** The built-in flow's slug. */
  public static final String MEMORY_RECALL = "memory-recall";

  private static final int MAX_ANSWER_BYTES = 1024 * 1024;
  private static final int RECALLED = 10;

  private final ActionProperties properties;
  private final JdbcClient jdbc;
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  public ActionFlows(ActionProperties properties, JdbcClient jdbc) {
    this.properties = properties;
    this.jdbc = jdbc;
  }

  /** The slugs a tag may name. */
  public Set<String> slugs() {
    Set<String> slugs = new TreeSet<>(properties.flows().keySet());
    slugs.add(MEMORY_RECALL);
    return slugs;
  }

  /** Runs the flow of {@code slug} with the tag's parameters; its result, or why it failed. */
  public JsonNode run(String slug, JsonNode params, RunRequested request)
      throws ServerTool.ToolException {
    ActionProperties.Flow flow = properties.flows().get(slug);
    if (flow != null) {
      return webhook(slug, flow, params, request);
    }
    if (MEMORY_RECALL.equals(slug)) {
      return recall(params, request);
    }
    throw new ServerTool.ToolException(
        "No flow is registered for the action '"
            + slug
            + "'; registered: "
            + String.join(", ", slugs()));
  }

  private JsonNode webhook(
      String slug, ActionProperties.Flow flow, JsonNode params, RunRequested request)
      throws ServerTool.ToolException {
    if (flow.url() == null) {
      throw new ServerTool.ToolException(
          "The action '" + slug + "' has no url (runstream.actions.flows." + slug + ".url)");
    }
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(flow.url())
            .timeout(flow.timeout())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("X-Runstream-Action", slug)
            .header("X-Runstream-Run-Id", request.runId().toString())
            .POST(HttpRequest.BodyPublishers.ofString(EventJson.MAPPER.writeValueAsString(params)));
    if (request.identity() != null) {
      builder.header("X-Runstream-User-Id", request.identity().userId());
    }
    for (Map.Entry<String, String> header : flow.headers().entrySet()) {
      builder.header(header.getKey(), header.getValue());
    }
    try {
      HttpResponse<InputStream> response =
          http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readNBytes(MAX_ANSWER_BYTES + 1);
      }
      if (response.statusCode() / 100 != 2) {
        throw new ServerTool.ToolException(
            "The action '" + slug + "' answered " + response.statusCode());
      }
      if (body.length > MAX_ANSWER_BYTES) {
        throw new ServerTool.ToolException("The action '" + slug + "' answered more than 1 MiB");
      }
      if (body.length == 0) {
        return EventJson.MAPPER.nullNode();
      }
      try {
        return EventJson.MAPPER.readTree(body);
      } catch (RuntimeException e) {
        throw new ServerTool.ToolException("The action '" + slug + "' did not answer JSON");
      }
    } catch (HttpTimeoutException e) {
      throw new ServerTool.ToolException(
          "The action '" + slug + "' did not answer within " + flow.timeout().toSeconds() + " s");
    } catch (IOException e) {
      throw new ServerTool.ToolException(
          "The action '" + slug + "' could not be reached (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerTool.ToolException("The action '" + slug + "' was interrupted");
    }
  }

  private JsonNode recall(JsonNode params, RunRequested request) {
    String query = params.path("query").isString() ? params.path("query").asString().strip() : "";
    String like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    ObjectNode result = EventJson.MAPPER.createObjectNode();
    if (!query.isEmpty()) {
      result.put("query", query);
    }
    ArrayNode memories = result.putArray("memories");
    jdbc.sql(
            """
            SELECT key, value::text FROM memories
            WHERE org_id = :org AND user_id = :user AND expires_at > now()
              AND (key ILIKE :like OR value::text ILIKE :like)
            ORDER BY created_at DESC LIMIT :limit""")
        .param("org", request.orgId())
        .param("user", request.userId())
        .param("like", like)
        .param("limit", RECALLED)
        .query(
            (rs, row) -> {
              memories
                  .addObject()
                  .put("key", rs.getString(1))
                  .set("value", EventJson.MAPPER.readTree(rs.getString(2)));
              return row;
            })
        .list();
    ArrayNode nodes = result.putArray("nodes");
    jdbc.sql(
            """
            SELECT label, content, weight FROM context_nodes
            WHERE org_id = :org AND user_id = :user AND (label ILIKE :like OR content ILIKE :like)
            ORDER BY weight DESC, label LIMIT :limit""")
        .param("org", request.orgId())
        .param("user", request.userId())
        .param("like", like)
        .param("limit", RECALLED)
        .query(
            (rs, row) -> {
              nodes
                  .addObject()
                  .put("label", rs.getString(1))
                  .put("content", rs.getString(2))
                  .put("weight", rs.getDouble(3));
              return row;
            })
        .list();
    return result;
  }
}
