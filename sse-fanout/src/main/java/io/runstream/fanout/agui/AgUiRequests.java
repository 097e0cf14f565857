package io.runstream.fanout.agui;

import io.runstream.admission.AdmissionProperties;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunInput;
import io.runstream.admission.RunRequestMapper;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.core.store.SessionStore;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The AG-UI face's request mapper: AG-UI's {@code RunAgentInput} ({@code @ag-ui/core} 1.0.0) as
 * {@code HttpAgent} posts it, {@code {threadId, runId, messages, tools?, context?, state?,
 * forwardedProps?}}, checked field by field as the package's zod schema does (400 naming the field
 * otherwise). {@code threadId} is the face's key of the user's session (the thread's runs share one
 * transcript), {@code runId} the client's id of the run (kept in the run's message metadata, {@code
 * agui.runId}). The last message is the user's turn (its text, or its text parts joined), or the
 * trailing tool messages answer the previous run's frontend tool calls; the earlier ones become the
 * inline history of a thread's first run only (later runs read the stored transcript). {@code
 * tools} are client tools, {@code context} items reach the model as a request context (description
 * to value), {@code state} is accepted and not used. Runstream's conventions in {@code
 * forwardedProps}: {@code model} ({@code "provider/model"}, or a model of the default provider;
 * absent: routing) and {@code simulation} (the simulated model's knobs).
 */
@Component
public class AgUiRequests implements RunRequestMapper<AgUiRequests.AgUiRequest> {
  static final int MAX_ID_CHARS = 200;
  private static final Set<String> ROLES =
      Set.of("developer", "system", "assistant", "user", "tool", "activity", "reasoning");

  private final CallerResolver callers;
  private final RequestFields fields;
  private final AdmissionProperties properties;
  private final ApiLimits limits;
  private final SessionStore sessions;

  public AgUiRequests(
      CallerResolver callers,
      RequestFields fields,
      AdmissionProperties properties,
      ApiLimits limits,
      SessionStore sessions) {
    this.callers = callers;
    this.fields = fields;
    this.properties = properties;
    this.limits = limits;
    this.sessions = sessions;
  }

  /**
   * A validated {@code RunAgentInput}: who asks, the thread and run ids, the user's text, the
   * messages before it, and the body (for the fields read when a run starts).
   */
  public record AgUiRequest(
      Caller caller,
      String threadId,
      String runId,
      String text,
      List<RunRequested.HistoryEntry> earlier,
      List<ToolAnswer> answers,
      JsonNode body) {

    /** True if the input answers frontend tool calls (it ends with tool messages). */
    public boolean answersTools() {
      return !answers.isEmpty();
    }
  }

  /** A frontend tool's result: the tool message's call id and content (its text). */
  public record ToolAnswer(String toolCallId, String content) {}

  @Override
  public String face() {
    return AgUiFace.ID;
  }

  /** Reads and validates the body (400 naming the first wrong field). */
  public AgUiRequest read(JsonNode raw) {
    JsonNode body = fields.object(raw);
    String threadId = id(body, "threadId");
    String runId = id(body, "runId");
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray()) {
      throw ApiException.invalid("messages", "is required: an array of AG-UI messages");
    }
    String text = null;
    List<RunRequested.HistoryEntry> earlier = new ArrayList<>();
    List<ToolAnswer> answers = new ArrayList<>();
    // The trailing tool messages answer the previous run's frontend tool calls.
    int answersFrom = messages.size();
    while (answersFrom > 0
        && "tool".equals(messages.get(answersFrom - 1).path("role").asString(""))) {
      answersFrom--;
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      if (!message.isObject()) {
        throw ApiException.invalid(at, "must be an object");
      }
      if (!message.path("id").isString()) {
        throw ApiException.invalid(at + ".id", "is required: a string");
      }
      String role = message.path("role").isString() ? message.path("role").asString() : null;
      if (role == null || !ROLES.contains(role)) {
        throw ApiException.invalid(at + ".role", "must be one of " + new TreeSet<>(ROLES));
      }
      String content = content(message, at, role);
      if (role.equals("tool") && !message.path("toolCallId").isString()) {
        throw ApiException.invalid(at + ".toolCallId", "is required: a string");
      }
      if (i >= answersFrom) {
        // NUL and length checked, named as the message's content.
        ObjectNode holder =
            EventJson.MAPPER
                .createObjectNode()
                .put(at + ".content", content == null ? "" : content);
        answers.add(
            new ToolAnswer(
                message.path("toolCallId").asString(),
                fields.optionalText(
                    holder,
                    at + ".content",
                    (int) Math.min(Integer.MAX_VALUE, limits.maxBodyBytes()))));
      } else if (i == messages.size() - 1) {
        if (!role.equals("user") || content == null || content.isBlank()) {
          throw ApiException.invalid(at, "the last message must be the user's, with text content");
        }
        // Length (the configured limit) and NUL, named as the message's content.
        ObjectNode holder = EventJson.MAPPER.createObjectNode().put(at + ".content", content);
        text = fields.messageText(holder, at + ".content");
      } else if (content != null && !content.isBlank()) {
        switch (role) {
          case "user", "assistant", "system" ->
              earlier.add(new RunRequested.HistoryEntry(role, content));
          case "developer" -> earlier.add(new RunRequested.HistoryEntry("system", content));
          default -> {}
        }
      }
    }
    if (text == null && answers.isEmpty()) {
      throw ApiException.invalid(
          "messages", "must end with the user's message (or tool messages answering tool calls)");
    }
    fields.tools(body, "tools");
    context(body);
    JsonNode forwarded = body.get("forwardedProps");
    if (forwarded != null && !forwarded.isNull() && !forwarded.isObject()) {
      throw ApiException.invalid("forwardedProps", "must be a JSON object");
    }
    return new AgUiRequest(callers.current(), threadId, runId, text, earlier, answers, body);
  }

  /**
   * The run: the user's text, the thread's session (by key), the client's ids in the messages'
   * metadata, the model and the simulation from {@code forwardedProps}, the tools and the context.
   */
  @Override
  public RunInput input(Caller caller, AgUiRequest request) {
    JsonNode body = request.body();
    JsonNode forwarded = body.get("forwardedProps");
    boolean forwardedObject = forwarded != null && forwarded.isObject();
    RunRequested.ModelRef model =
        forwardedObject
            ? prefixed(() -> fields.model(forwarded, "model", properties.defaultModelProvider()))
            : null;
    RunRequested.Simulation simulation =
        forwardedObject ? prefixed(() -> fields.simulation(forwarded, "simulation")) : null;
    List<RunRequested.HistoryEntry> history = null;
    if (!request.earlier().isEmpty()
        && sessions
            .findByKey(caller.orgId(), caller.userId(), AgUiFace.ID, request.threadId())
            .isEmpty()) {
      List<RunRequested.HistoryEntry> earlier = request.earlier();
      history =
          earlier.subList(Math.max(0, earlier.size() - limits.maxHistoryEntries()), earlier.size());
    }
    ObjectNode metadata = EventJson.MAPPER.createObjectNode();
    metadata.putObject("agui").put("threadId", request.threadId()).put("runId", request.runId());
    JsonNode context = context(body);
    List<RunRequested.ToolSpec> tools = fields.tools(body, "tools");
    return RunInput.builder(request.text())
        .metadataJson(EventJson.MAPPER.writeValueAsString(metadata))
        .model(model)
        .history(history)
        .simulation(simulation)
        .extras(
            extras ->
                extras
                    .face(AgUiFace.ID, request.threadId())
                    .context(context)
                    .tools(tools == null || tools.isEmpty() ? null : tools))
        .build();
  }

  /** A field of {@code forwardedProps}, its errors named {@code forwardedProps.<field>}. */
  private static <T> T prefixed(Supplier<T> read) {
    try {
      return read.get();
    } catch (ApiException e) {
      List<?> errors = (List<?>) e.properties().get("errors");
      if (errors == null || errors.isEmpty()) {
        throw e;
      }
      Map<?, ?> first = (Map<?, ?>) errors.getFirst();
      throw ApiException.invalid(
          "forwardedProps." + first.get("field"), String.valueOf(first.get("reason")));
    }
  }

  /** A required id: a string of 1 to 200 characters without control characters. */
  private static String id(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null
        || !value.isString()
        || value.asString().isBlank()
        || value.asString().length() > MAX_ID_CHARS
        || value.asString().chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid(
          field, "is required: a string of 1 to " + MAX_ID_CHARS + " characters");
    }
    return value.asString();
  }

  /**
   * A message's text: its string content, or its text parts joined (media parts are not read); null
   * when it has none. The content's type is checked as AG-UI's schema checks it for the role.
   */
  private static String content(JsonNode message, String at, String role) {
    JsonNode content = message.get("content");
    boolean optional = role.equals("assistant");
    if (content == null || content.isNull()) {
      if (optional) {
        return null;
      }
      throw ApiException.invalid(at + ".content", "is required");
    }
    if (content.isString()) {
      return content.asString();
    }
    if (role.equals("activity")) {
      if (!content.isObject()) {
        throw ApiException.invalid(at + ".content", "must be an object");
      }
      return null;
    }
    if (!content.isArray() || !(role.equals("user") || role.equals("tool"))) {
      throw ApiException.invalid(
          at + ".content",
          role.equals("user") || role.equals("tool")
              ? "must be a string or an array of content parts"
              : "must be a string");
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      String partAt = at + ".content[" + i + "]";
      if (!part.isObject() || !part.path("type").isString()) {
        throw ApiException.invalid(partAt, "must be a content part with a type");
      }
      switch (part.path("type").asString()) {
        case "text" -> {
          if (!part.path("text").isString()) {
            throw ApiException.invalid(partAt + ".text", "is required: a string");
          }
          if (!text.isEmpty()) {
            text.append('\n');
          }
          text.append(part.path("text").asString());
        }
        case "image", "audio", "video", "document" -> {
          if (!part.path("source").isObject()) {
            throw ApiException.invalid(partAt + ".source", "is required: an object");
          }
        }
        default ->
            throw ApiException.invalid(
                partAt + ".type", "must be text, image, audio, video or document");
      }
    }
    return text.toString();
  }

  /**
   * The context items as one object, each description to its value (a later item of the same
   * description wins); null when there are none.
   */
  private JsonNode context(JsonNode body) {
    JsonNode value = body.get("context");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw ApiException.invalid("context", "must be an array of {description, value}");
    }
    ObjectNode context = EventJson.MAPPER.createObjectNode();
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isObject()
          || !item.path("description").isString()
          || !item.path("value").isString()) {
        throw ApiException.invalid(
            "context[" + i + "]", "must be an object {description, value} of strings");
      }
      context.put(item.path("description").asString(), item.path("value").asString());
    }
    if (context.isEmpty()) {
      return null;
    }
    ObjectNode holder = EventJson.MAPPER.createObjectNode();
    holder.set("context", context);
    return fields.jsonObject(holder, "context", limits.maxMetadataBytes() * 4);
  }
}
