package io.runstream.ingest.admission;

import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.core.problem.Ids;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** Reads request bodies field by field, answering 400 with a field-level reason for anything off. */
@Component
public class RequestFields {
  private static final Set<String> ROLES = Set.of("user", "assistant", "system");
  private final ApiLimits limits;

  public RequestFields(ApiLimits limits) {
    this.limits = limits;
  }

  /**
   * A run's input from a request body: the message from {@code textField}, and the optional fields every face of
   * the canonical API shares ({@code metadata}, {@code model}, {@code instructions}, {@code simulation}); the title
   * and inline history only where the endpoint takes them.
   */
  public RunInput runInput(
      JsonNode body, java.util.UUID sessionId, String textField, boolean takesTitle, boolean takesHistory,
      String defaultProvider) {
    return new RunInput(
        sessionId,
        messageText(body, textField),
        takesTitle ? title(body) : null,
        metadata(body, "metadata"),
        model(body, "model", defaultProvider),
        instructions(body, "instructions"),
        takesHistory ? history(body, "history") : null,
        simulation(body, "simulation"));
  }

  /** The body, which must be a JSON object. */
  public JsonNode object(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.invalid("body", "must be a JSON object");
    }
    return body;
  }

  /** A required message text: a string, not blank, at most the configured length. */
  public String messageText(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw ApiException.invalid(field, "is required");
    }
    if (!value.isString()) {
      throw ApiException.invalid(field, "must be a string");
    }
    String text = value.asString();
    if (text.isBlank()) {
      throw ApiException.invalid(field, "must not be empty");
    }
    noNul(field, text);
    if (text.codePointCount(0, text.length()) > limits.maxTextChars()) {
      throw ApiException.invalid(field, "must be at most " + limits.maxTextChars() + " characters");
    }
    return text;
  }

  /** An optional string of at most {@code max} characters; null when absent. */
  public String optionalText(JsonNode body, String field, int max) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isString()) {
      throw ApiException.invalid(field, "must be a string");
    }
    String text = value.asString();
    if (text.codePointCount(0, text.length()) > max) {
      throw ApiException.invalid(field, "must be at most " + max + " characters");
    }
    noNul(field, text);
    return text;
  }

  /** Rejects NUL (PostgreSQL cannot store it) and unpaired surrogates (not Unicode text). */
  private static void noNul(String field, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        throw ApiException.invalid(field, "must not contain NUL characters");
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw ApiException.invalid(field, "must be valid Unicode text (an unpaired surrogate was found)");
      }
    }
  }

  /** Rejects NUL anywhere in a JSON tree (PostgreSQL's text and jsonb cannot hold it). */
  private static void noNulInTree(String field, JsonNode node) {
    if (node.isString()) {
      noNul(field, node.asString());
    } else if (node.isObject()) {
      for (var entry : node.properties()) {
        noNul(field, entry.getKey());
        noNulInTree(field, entry.getValue());
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        noNulInTree(field, item);
      }
    }
  }

  /** An optional session title. */
  public String title(JsonNode body) {
    return optionalText(body, "title", limits.maxTitleChars());
  }

  /** Optional instructions. */
  public String instructions(JsonNode body, String field) {
    return optionalText(body, field, limits.maxTextChars());
  }

  /** Optional metadata: a JSON object of at most the configured size, as JSON text; null when absent. */
  public String metadata(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw ApiException.invalid(field, "must be a JSON object");
    }
    String json = EventJson.MAPPER.writeValueAsString(value);
    if (json.getBytes(StandardCharsets.UTF_8).length > limits.maxMetadataBytes()) {
      throw ApiException.invalid(field, "must be at most " + limits.maxMetadataBytes() + " bytes as JSON");
    }
    noNulInTree(field, value);
    return json;
  }

  /**
   * An optional model: {@code "provider/model"}, {@code "model"} (default provider) or
   * {@code {"provider", "model_id"}}.
   */
  public RunRequested.ModelRef model(JsonNode body, String field, String defaultProvider) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isString()) {
      String text = value.asString().strip();
      if (text.isEmpty() || text.length() > 200) {
        throw ApiException.invalid(field, "must be 1 to 200 characters");
      }
      noNul(field, text);
      int slash = text.indexOf('/');
      return slash > 0 && slash < text.length() - 1
          ? new RunRequested.ModelRef(text.substring(0, slash), text.substring(slash + 1))
          : new RunRequested.ModelRef(defaultProvider, text);
    }
    if (value.isObject()) {
      String provider = optionalText(value, "provider", 100);
      String modelId = optionalText(value, "model_id", 200);
      if (modelId == null || modelId.isBlank()) {
        throw ApiException.invalid(field + ".model_id", "is required");
      }
      return new RunRequested.ModelRef(provider == null || provider.isBlank() ? defaultProvider : provider, modelId);
    }
    throw ApiException.invalid(field, "must be a string or an object");
  }

  /** Optional inline history: at most the configured number of {@code {role, content}} entries. */
  public List<RunRequested.HistoryEntry> history(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw ApiException.invalid(field, "must be an array");
    }
    if (value.size() > limits.maxHistoryEntries()) {
      throw ApiException.invalid(field, "must have at most " + limits.maxHistoryEntries() + " entries");
    }
    List<RunRequested.HistoryEntry> entries = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode entry = value.get(i);
      String at = field + "[" + i + "]";
      if (!entry.isObject()) {
        throw ApiException.invalid(at, "must be an object");
      }
      String role = optionalText(entry, "role", 20);
      if (role == null || !ROLES.contains(role)) {
        throw ApiException.invalid(at + ".role", "must be user, assistant or system");
      }
      String content = optionalText(entry, "content", limits.maxTextChars());
      if (content == null) {
        throw ApiException.invalid(at + ".content", "is required");
      }
      entries.add(new RunRequested.HistoryEntry(role, content));
    }
    return entries;
  }

  /** Optional knobs of the simulated model: {@code {seed, tokens_per_second, output_tokens}}. */
  public RunRequested.Simulation simulation(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw ApiException.invalid(field, "must be an object");
    }
    Long seed = null;
    JsonNode s = value.get("seed");
    if (s != null && !s.isNull()) {
      if (!s.isIntegralNumber() || !s.canConvertToLong()) {
        throw ApiException.invalid(field + ".seed", "must be an integer");
      }
      seed = s.asLong();
    }
    Double pace = null;
    JsonNode p = value.get("tokens_per_second");
    if (p != null && !p.isNull()) {
      if (!p.isNumber() || p.asDouble() < 0 || p.asDouble() > 1_000_000) {
        throw ApiException.invalid(field + ".tokens_per_second", "must be a number from 0 to 1000000");
      }
      pace = p.asDouble();
    }
    Integer tokens = null;
    JsonNode t = value.get("output_tokens");
    if (t != null && !t.isNull()) {
      if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 1 || t.asInt() > 100_000) {
        throw ApiException.invalid(field + ".output_tokens", "must be an integer from 1 to 100000");
      }
      tokens = t.asInt();
    }
    return new RunRequested.Simulation(seed, pace, tokens);
  }

  /** An optional session id in the body; 404 if it is not a UUID (it cannot be one of the caller's). */
  public UUID optionalSessionId(JsonNode body, String field) {
    String text = optionalText(body, field, 64);
    return text == null || text.isBlank() ? null : Ids.parse(text, "Session");
  }
}
