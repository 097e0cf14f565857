package io.runstream.admission;

import io.runstream.core.net.PublicUrls;
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

/**
 * Reads request bodies field by field, answering 400 with a field-level reason for anything off.
 */
@Component
public class RequestFields {
  private static final Set<String> ROLES = Set.of("user", "assistant", "system");

  /** Most entries of a list field (tools, tool names, files, images). */
  static final int MAX_LIST = 128;

  private static final int MAX_SCRIPT = 1000;
  private static final java.util.regex.Pattern TOOL_NAME =
      java.util.regex.Pattern.compile("^[A-Za-z0-9_.:-]{1,128}$");
  private static final java.util.regex.Pattern HTTP_URL =
      java.util.regex.Pattern.compile("^https?://[^\\s]+$");
  private static final java.util.regex.Pattern BASE64 =
      java.util.regex.Pattern.compile("^[A-Za-z0-9+/=\\s]+$");

  /** How long the names of a request's image URLs may take to look up, all together. */
  static final java.time.Duration IMAGE_LOOK_UP = java.time.Duration.ofSeconds(2);

  private final ApiLimits limits;
  private final PublicUrls publicUrls;

  public RequestFields(ApiLimits limits, PublicUrls publicUrls) {
    this.limits = limits;
    this.publicUrls = publicUrls;
  }

  /**
   * A run's input from a request body: the message from {@code textField}, and the optional fields
   * every face of the canonical API shares ({@code metadata}, {@code model}, {@code instructions},
   * {@code simulation}); the title and inline history only where the endpoint takes them.
   */
  public RunInput runInput(
      JsonNode body,
      java.util.UUID sessionId,
      String textField,
      boolean takesTitle,
      boolean takesHistory,
      String defaultProvider) {
    return runInput(
        body,
        sessionId,
        textField,
        takesTitle,
        takesHistory,
        defaultProvider,
        RunInput.Extras.NONE);
  }

  /**
   * As {@link #runInput(JsonNode, UUID, String, boolean, boolean, String)}, with a face's extras.
   */
  public RunInput runInput(
      JsonNode body,
      java.util.UUID sessionId,
      String textField,
      boolean takesTitle,
      boolean takesHistory,
      String defaultProvider,
      RunInput.Extras extras) {
    return new RunInput(
        sessionId,
        messageText(body, textField),
        takesTitle ? title(body) : null,
        metadata(body, "metadata"),
        model(body, "model", defaultProvider),
        instructions(body, "instructions"),
        takesHistory ? history(body, "history") : null,
        simulation(body, "simulation"),
        extras);
  }

  /**
   * Optional client tools: at most {@value #MAX_LIST} {@code {name, description?, inputSchema?}}
   * objects.
   */
  public List<RunRequested.ToolSpec> tools(JsonNode body, String field) {
    JsonNode value = array(body, field);
    if (value == null) {
      return null;
    }
    List<RunRequested.ToolSpec> tools = new ArrayList<>();
    Set<String> names = new java.util.HashSet<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode tool = value.get(i);
      String at = field + "[" + i + "]";
      if (!tool.isObject()) {
        throw ApiException.invalid(at, "must be an object with a name");
      }
      String name = optionalText(tool, "name", 128);
      if (name == null || !TOOL_NAME.matcher(name).matches()) {
        throw ApiException.invalid(
            at + ".name", "is required: 1 to 128 letters, digits, '_', '-', '.' or ':'");
      }
      if (!names.add(name)) {
        throw ApiException.invalid(at + ".name", "repeats the tool '" + name + "'");
      }
      String description = optionalText(tool, "description", limits.maxTextChars());
      JsonNode schema = tool.has("inputSchema") ? tool.get("inputSchema") : tool.get("parameters");
      if (schema != null && !schema.isNull() && !schema.isObject()) {
        throw ApiException.invalid(at + ".inputSchema", "must be a JSON Schema object");
      }
      if (schema != null && !schema.isNull()) {
        noNulInTree(at + ".inputSchema", schema);
      }
      JsonNode approval = tool.get("needsApproval");
      if (approval != null && !approval.isNull() && !approval.isBoolean()) {
        throw ApiException.invalid(at + ".needsApproval", "must be true or false");
      }
      tools.add(
          new RunRequested.ToolSpec(
              name,
              description,
              schema == null || schema.isNull() ? null : schema,
              approval != null && approval.asBoolean()));
    }
    return tools;
  }

  /** An optional list of tool names, at most {@value #MAX_LIST}. */
  public List<String> toolNames(JsonNode body, String field) {
    JsonNode value = array(body, field);
    if (value == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode name = value.get(i);
      if (!name.isString() || !TOOL_NAME.matcher(name.asString()).matches()) {
        throw ApiException.invalid(
            field + "[" + i + "]",
            "must be a tool name (1 to 128 letters, digits, '_', '-', '.' or ':')");
      }
      names.add(name.asString());
    }
    return names;
  }

  /**
   * Optional documents: at most {@value #MAX_LIST} objects, each with exactly one of {@code path}
   * (in the uploads directory: relative, no {@code ..}), {@code url} (http or https) or {@code
   * content}, and a {@code name} (from the path or URL when absent).
   */
  public List<RunRequested.FileRef> files(JsonNode body, String field) {
    JsonNode value = array(body, field);
    if (value == null) {
      return null;
    }
    List<RunRequested.FileRef> files = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode file = value.get(i);
      String at = field + "[" + i + "]";
      if (!file.isObject()) {
        throw ApiException.invalid(at, "must be an object with one of path, url or content");
      }
      String path = optionalText(file, "path", 1024);
      String url = optionalText(file, "url", 4096);
      String content = optionalText(file, "content", maxInline());
      int sources = (path == null ? 0 : 1) + (url == null ? 0 : 1) + (content == null ? 0 : 1);
      if (sources != 1) {
        throw ApiException.invalid(at, "must have exactly one of path, url or content");
      }
      if (path != null
          && (path.isBlank()
              || path.startsWith("/")
              || path.contains("\\")
              || java.util.Arrays.asList(path.split("/")).contains(".."))) {
        throw ApiException.invalid(at + ".path", "must be a relative path without '..'");
      }
      if (url != null && !HTTP_URL.matcher(url).matches()) {
        throw ApiException.invalid(at + ".url", "must be an http or https URL");
      }
      String name = optionalText(file, "name", 255);
      if (name == null || name.isBlank()) {
        if (content != null) {
          throw ApiException.invalid(at + ".name", "is required with inline content");
        }
        String source = path != null ? path : url.replaceFirst("[?#].*$", "");
        name = source.substring(source.lastIndexOf('/') + 1);
        if (name.isBlank()) {
          throw ApiException.invalid(at + ".name", "is required (the path or URL names no file)");
        }
      }
      files.add(
          new RunRequested.FileRef(name, path, url, content, optionalText(file, "mediaType", 100)));
    }
    return files;
  }

  /**
   * Optional images: at most {@value #MAX_LIST}, each a URL string ({@code http(s):} or {@code
   * data:}) or an object with {@code url} or base64 {@code data} and an optional {@code mediaType}.
   * The model provider fetches an image's URL, so it must be public ({@link PublicUrls}: no
   * loopback, private, link-local or metadata address, nor a name that resolves to one, unless
   * {@code runstream.security.urls} allows it).
   */
  public List<RunRequested.ImageRef> images(JsonNode body, String field) {
    JsonNode value = array(body, field);
    if (value == null) {
      return null;
    }
    java.util.Map<String, String> remote = new java.util.LinkedHashMap<>();
    List<RunRequested.ImageRef> images = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode image = value.get(i);
      String at = field + "[" + i + "]";
      String url;
      String data = null;
      String mediaType = null;
      if (image.isString()) {
        url = image.asString();
      } else if (image.isObject()) {
        url = optionalText(image, "url", maxInline());
        data = optionalText(image, "data", maxInline());
        mediaType = optionalText(image, "mediaType", 100);
        if ((url == null) == (data == null)) {
          throw ApiException.invalid(at, "must have exactly one of url or data");
        }
        if (data != null && !BASE64.matcher(data).matches()) {
          throw ApiException.invalid(at + ".data", "must be base64");
        }
      } else {
        throw ApiException.invalid(at, "must be a URL or an object with url or data");
      }
      if (url != null && !HTTP_URL.matcher(url).matches() && !url.startsWith("data:image/")) {
        throw ApiException.invalid(
            at + (image.isObject() ? ".url" : ""), "must be an http(s) URL or a data:image/ URL");
      }
      if (url != null && HTTP_URL.matcher(url).matches()) {
        String urlField = at + (image.isObject() ? ".url" : "");
        java.util.Optional<PublicUrls.Refusal> refusal = publicUrls.refusal(url);
        if (refusal.isPresent()) {
          throw ApiException.invalid(urlField, refusal.get().reason());
        }
        remote.putIfAbsent(url, urlField);
      }
      images.add(new RunRequested.ImageRef(url, data, mediaType));
    }
    if (!remote.isEmpty()) {
      java.util.Map<String, PublicUrls.Refusal> refused =
          publicUrls.refusals(remote.keySet(), IMAGE_LOOK_UP);
      for (java.util.Map.Entry<String, String> image : remote.entrySet()) {
        if (refused.containsKey(image.getKey())) {
          throw ApiException.invalid(image.getValue(), refused.get(image.getKey()).reason());
        }
      }
    }
    return images;
  }

  /** An optional JSON object of at most {@code maxBytes} as JSON; null when absent. */
  public JsonNode jsonObject(JsonNode body, String field, int maxBytes) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw ApiException.invalid(field, "must be a JSON object");
    }
    if (EventJson.MAPPER.writeValueAsBytes(value).length > maxBytes) {
      throw ApiException.invalid(field, "must be at most " + maxBytes + " bytes as JSON");
    }
    noNulInTree(field, value);
    return value;
  }

  /** An optional whole number from {@code min} to {@code max}; null when absent. */
  public Long wholeNumber(JsonNode body, String field, long min, long max) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isNumber()
        || !value.canConvertToLong()
        || value.asDouble() != Math.floor(value.asDouble())
        || value.asLong() < min
        || value.asLong() > max) {
      throw ApiException.invalid(field, "must be a whole number from " + min + " to " + max);
    }
    return value.asLong();
  }

  /** Longest inline file content or image data: a whole request body. */
  private int maxInline() {
    return (int) Math.min(Integer.MAX_VALUE, limits.maxBodyBytes());
  }

  /** An optional array of at most {@value #MAX_LIST} items; null when absent. */
  private JsonNode array(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw ApiException.invalid(field, "must be an array");
    }
    if (value.size() > MAX_LIST) {
      throw ApiException.invalid(field, "must have at most " + MAX_LIST + " entries");
    }
    return value;
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

  /**
   * The double-texting strategy named by {@code field}, else {@code fallback} (the configured
   * default).
   */
  public MultitaskStrategy multitaskStrategy(
      JsonNode body, String field, MultitaskStrategy fallback) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isString()) {
      throw ApiException.invalid(field, "must be one of " + MultitaskStrategy.names());
    }
    return MultitaskStrategy.parse(value.asString(), field);
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
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw ApiException.invalid(
            field, "must be valid Unicode text (an unpaired surrogate was found)");
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

  /**
   * Optional metadata: a JSON object of at most the configured size, as JSON text; null when
   * absent.
   */
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
      throw ApiException.invalid(
          field, "must be at most " + limits.maxMetadataBytes() + " bytes as JSON");
    }
    noNulInTree(field, value);
    return json;
  }

  /**
   * An optional model: {@code "provider/model"}, {@code "model"} (default provider) or {@code
   * {"provider", "model_id"}}.
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
      return new RunRequested.ModelRef(
          provider == null || provider.isBlank() ? defaultProvider : provider, modelId);
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
      throw ApiException.invalid(
          field, "must have at most " + limits.maxHistoryEntries() + " entries");
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

  /**
   * Optional knobs of the simulated model: {@code {seed, tokens_per_second, output_tokens, stamp,
   * script}}.
   */
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
        throw ApiException.invalid(
            field + ".tokens_per_second", "must be a number from 0 to 1000000");
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
    Boolean stamp = null;
    JsonNode st = value.get("stamp");
    if (st != null && !st.isNull()) {
      if (!st.isBoolean()) {
        throw ApiException.invalid(field + ".stamp", "must be true or false");
      }
      stamp = st.asBoolean();
    }
    return new RunRequested.Simulation(seed, pace, tokens, script(value, field + ".script"), stamp);
  }

  /** The simulated model's optional script (see {@link RunRequested.ScriptStep}). */
  private List<RunRequested.ScriptStep> script(JsonNode simulation, String field) {
    JsonNode value = simulation.get("script");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray() || value.size() > MAX_SCRIPT) {
      throw ApiException.invalid(field, "must be an array of at most " + MAX_SCRIPT + " steps");
    }
    List<RunRequested.ScriptStep> steps = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode step = value.get(i);
      String at = field + "[" + i + "]";
      if (!step.isObject()
          || !step.path("type").isString()
          || !RunRequested.ScriptStep.TYPES.contains(step.path("type").asString())) {
        throw ApiException.invalid(
            at + ".type",
            "must be one of "
                + String.join(", ", new java.util.TreeSet<>(RunRequested.ScriptStep.TYPES)));
      }
      noNulInTree(at, step);
      try {
        steps.add(EventJson.MAPPER.treeToValue(step, RunRequested.ScriptStep.class));
      } catch (RuntimeException e) {
        throw ApiException.invalid(
            at,
            "is not a valid script step (text, name, error, origin, stage, fileName, url, mediaType, prompt, code: strings; retryable: boolean; deltas: strings)");
      }
      if (step.has("origin")
          && !Set.of("server", "client").contains(step.path("origin").asString(""))) {
        throw ApiException.invalid(at + ".origin", "must be server or client");
      }
    }
    return steps;
  }

  /**
   * An optional session id in the body; 404 if it is not a UUID (it cannot be one of the caller's).
   */
  public UUID optionalSessionId(JsonNode body, String field) {
    String text = optionalText(body, field, 64);
    return text == null || text.isBlank() ? null : Ids.parse(text, "Session");
  }
}
