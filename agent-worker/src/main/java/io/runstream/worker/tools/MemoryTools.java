package io.runstream.worker.tools;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code memory.store} and {@code memory.retrieve}: a small key-value memory per user (organisation
 * and user of the run), in PostgreSQL. A stored value expires after the request's {@code memoryTtl}
 * (seconds), else after 30 days.
 */
@Configuration(proxyBeanMethods = false)
public class MemoryTools {
  /** How long a value is kept when the request gives no {@code memoryTtl}. */
  static final Duration DEFAULT_TTL = Duration.ofDays(30);

  private static final int MAX_KEY = 200;
  private static final int MAX_VALUE_BYTES = 64 * 1024;

  @Bean
  ServerTool memoryStore(JdbcClient jdbc) {
    return new Tool(
        "memory.store",
        "Remember a value for this user under a key, to be recalled in later conversations.",
        schema(true)) {
      @Override
      public JsonNode call(JsonNode input, RunRequested request) throws ToolException {
        String key = key(input);
        JsonNode value = input.get("value");
        if (value == null || value.isNull()) {
          throw new ToolException("value is required");
        }
        String json = EventJson.MAPPER.writeValueAsString(value);
        if (json.length() > MAX_VALUE_BYTES || json.indexOf('\u0000') >= 0) {
          throw new ToolException("value must be at most 64 KiB of JSON without NUL");
        }
        long ttl =
            request.memoryTtlSeconds() != null
                ? request.memoryTtlSeconds()
                : DEFAULT_TTL.toSeconds();
        jdbc.sql(
                """
                INSERT INTO memories (org_id, user_id, key, value, expires_at)
                VALUES (:org, :user, :key, CAST(:value AS jsonb), now() + make_interval(secs => :ttl))
                ON CONFLICT (org_id, user_id, key) DO UPDATE
                  SET value = EXCLUDED.value, created_at = now(), expires_at = EXCLUDED.expires_at""")
            .param("org", request.orgId())
            .param("user", request.userId())
            .param("key", key)
            .param("value", json)
            .param("ttl", (double) ttl)
            .update();
        ObjectNode result = EventJson.MAPPER.createObjectNode().put("stored", true).put("key", key);
        result.put("expiresInSeconds", ttl);
        return result;
      }
    };
  }

  @Bean
  ServerTool memoryRetrieve(JdbcClient jdbc) {
    return new Tool(
        "memory.retrieve",
        "Recall the value remembered for this user under a key; found is false when there is none.",
        schema(false)) {
      @Override
      public JsonNode call(JsonNode input, RunRequested request) throws ToolException {
        String key = key(input);
        List<String> values =
            jdbc.sql(
                    """
                    SELECT value::text FROM memories
                    WHERE org_id = :org AND user_id = :user AND key = :key AND expires_at > now()""")
                .param("org", request.orgId())
                .param("user", request.userId())
                .param("key", key)
                .query(String.class)
                .list();
        ObjectNode result =
            EventJson.MAPPER.createObjectNode().put("key", key).put("found", !values.isEmpty());
        result.set(
            "value",
            values.isEmpty()
                ? EventJson.MAPPER.nullNode()
                : EventJson.MAPPER.readTree(values.getFirst()));
        return result;
      }
    };
  }

  private static String key(JsonNode input) throws ServerTool.ToolException {
    JsonNode key = input.get("key");
    if (key == null
        || !key.isString()
        || key.asString().isBlank()
        || key.asString().length() > MAX_KEY
        || key.asString().indexOf('\u0000') >= 0) {
      throw new ServerTool.ToolException(
          "key is required: a string of 1 to " + MAX_KEY + " characters");
    }
    return key.asString();
  }

  private static JsonNode schema(boolean withValue) {
    ObjectNode schema = EventJson.MAPPER.createObjectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    properties
        .putObject("key")
        .put("type", "string")
        .put("description", "what the value is about, e.g. name");
    if (withValue) {
      properties.putObject("value").put("description", "the value to remember (any JSON)");
    }
    schema.putArray("required").add("key");
    if (withValue) {
      ((ArrayNode) schema.get("required")).add("value");
    }
    return schema;
  }

  /** A server tool with its name, description and schema. */
  private abstract static class Tool implements ServerTool {
    private final String name;
    private final String description;
    private final JsonNode schema;

    Tool(String name, String description, JsonNode schema) {
      this.name = name;
      this.description = description;
      this.schema = schema;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public JsonNode inputSchema() {
      return schema;
    }
  }
}
