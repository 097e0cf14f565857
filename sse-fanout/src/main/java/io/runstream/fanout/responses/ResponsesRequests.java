package io.runstream.fanout.responses;

import io.runstream.admission.AdmissionProperties;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunInput;
import io.runstream.admission.RunRequestMapper;
import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiLimits;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses face's request mapper ({@code ResponseCreateParams} of openai 7.55.0): {@code
 * model} a Runstream model ({@code "<provider>/<id>"}, or an id of the default provider; absent:
 * routing), {@code input} a string or message items ({@code {role, content}} with a string or
 * {@code input_text} parts; the last user message is the run's message, the ones before it its
 * history), {@code instructions}, {@code previous_response_id} (the run continues that response's
 * session), {@code tools} (function tools, the client's), {@code metadata} (at most 16 string
 * values), {@code max_output_tokens}, {@code temperature}, {@code top_p}, {@code stream}, {@code
 * background}, and Runstream's {@code simulation} for the simulated model. Errors name the field in
 * {@code param}.
 */
@Component
public class ResponsesRequests implements RunRequestMapper<ResponsesRequests.ResponseRequest> {
  private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
  private static final int MAX_METADATA_KEYS = 16;

  private final RequestFields fields;
  private final AdmissionProperties properties;
  private final ApiLimits limits;
  private final RunStore runs;

  public ResponsesRequests(
      RequestFields fields, AdmissionProperties properties, ApiLimits limits, RunStore runs) {
    this.fields = fields;
    this.properties = properties;
    this.limits = limits;
    this.runs = runs;
  }

  /**
   * A validated create request.
   *
   * @param body the request
   * @param text the run's message: the last user message
   * @param history the messages before it, or null
   * @param envelope what the Response says of its request (id and time once the run exists)
   * @param stream answer with the event stream
   * @param sessionId the session the run continues ({@code previous_response_id}), or null
   */
  public record ResponseRequest(
      JsonNode body,
      String text,
      List<RunRequested.HistoryEntry> history,
      RunRequested.ModelRef model,
      ResponseEnvelope envelope,
      List<RunRequested.ToolSpec> tools,
      boolean stream,
      UUID sessionId,
      RunRow previousRun,
      ToolOutput toolOutput) {}

  /**
   * A {@code function_call_output} input item: the client's answer to the call that ended the
   * previous Response, which its run waits for.
   */
  public record ToolOutput(String callId, String output) {}

  @Override
  public String face() {
    return ResponsesFace.ID;
  }

  /** Reads and validates a create request, in OpenAI's errors. */
  public ResponseRequest read(Caller caller, JsonNode raw) {
    JsonNode body = fields.object(raw);
    RunRequested.ModelRef model = fields.model(body, "model", properties.defaultModelProvider());
    List<RunRequested.HistoryEntry> messages = new ArrayList<>();
    List<ToolOutput> outputs = new ArrayList<>();
    input(body, messages, outputs);
    String text = null;
    List<RunRequested.HistoryEntry> history = null;
    if (outputs.isEmpty()) {
      if (messages.isEmpty() || !messages.getLast().role().equals("user")) {
        throw ResponsesFace.invalid("input", "must end with a user message");
      }
      text =
          fields.messageText(
              EventJson.MAPPER.createObjectNode().put("input", messages.getLast().content()),
              "input");
      history = messages.size() == 1 ? null : List.copyOf(messages.subList(0, messages.size() - 1));
    } else if (outputs.size() > 1 || !messages.isEmpty()) {
      throw ResponsesFace.invalid(
          "input",
          "answers one function call at a time: a single function_call_output item (the model"
              + " waits for one call at a time)");
    }
    String instructions = fields.optionalText(body, "instructions", limits.maxTextChars());
    ArrayNode toolsJson = toolsJson(body);
    List<RunRequested.ToolSpec> tools = fields.tools(body, "tools");
    String previous = fields.optionalText(body, "previous_response_id", 100);
    RunRow previousRun = null;
    if (previous != null) {
      previousRun =
          ResponseEnvelope.runId(previous)
              .flatMap(id -> runs.find(caller.orgId(), id))
              .filter(run -> caller.mayActOn(run.userId()))
              .orElseThrow(
                  () ->
                      ResponsesFace.invalid(
                          "previous_response_id",
                          "Previous response with id '" + previous + "' not found"));
    } else if (!outputs.isEmpty()) {
      throw ResponsesFace.invalid(
          "previous_response_id", "is required with a function_call_output item");
    }
    ResponseEnvelope envelope =
        new ResponseEnvelope(
            null,
            0,
            model == null ? null : model.provider() + "/" + model.modelId(),
            instructions,
            metadata(body),
            toolsJson,
            number(body, "temperature", 0, 2),
            number(body, "top_p", 0, 1),
            fields.wholeNumber(body, "max_output_tokens", 16, 1_000_000),
            flag(body, "background"),
            previous);
    return new ResponseRequest(
        body,
        text,
        history,
        model,
        envelope,
        tools,
        flag(body, "stream"),
        previousRun == null ? null : previousRun.sessionId(),
        previousRun,
        outputs.isEmpty() ? null : outputs.getFirst());
  }

  @Override
  public RunInput input(Caller caller, ResponseRequest request) {
    ResponseEnvelope envelope = request.envelope();
    ObjectNode settings = EventJson.MAPPER.createObjectNode();
    if (envelope.temperature() != null) {
      settings.put("temperature", envelope.temperature());
    }
    if (envelope.topP() != null) {
      settings.put("top_p", envelope.topP());
    }
    if (envelope.maxOutputTokens() != null) {
      settings.put("max_output_tokens", envelope.maxOutputTokens());
    }
    ObjectNode metadata = EventJson.MAPPER.createObjectNode();
    metadata.set(ResponseEnvelope.KEY, envelope.stored());
    return RunInput.builder(request.text())
        .sessionId(request.sessionId())
        .model(request.model())
        .instructions(envelope.instructions())
        .history(request.history())
        .metadataJson(EventJson.MAPPER.writeValueAsString(metadata))
        .simulation(fields.simulation(request.body(), "simulation"))
        .extras(
            extras ->
                extras
                    .face(ResponsesFace.ID, null)
                    .tools(request.tools())
                    .settings(settings.isEmpty() ? null : settings))
        .build();
  }

  /**
   * The input as messages (a string is one user message) and function call outputs; the function
   * calls a client sends back with them are the previous Response's and are skipped.
   */
  private void input(
      JsonNode body, List<RunRequested.HistoryEntry> messages, List<ToolOutput> outputs) {
    JsonNode input = body.get("input");
    if (input == null || input.isNull()) {
      throw ResponsesFace.invalid("input", "is required");
    }
    if (input.isString()) {
      messages.add(new RunRequested.HistoryEntry("user", input.asString()));
      return;
    }
    if (!input.isArray()) {
      throw ResponsesFace.invalid("input", "must be a string or an array of input items");
    }
    if (input.size() > limits.maxHistoryEntries() + 1) {
      throw ResponsesFace.invalid(
          "input", "must have at most " + (limits.maxHistoryEntries() + 1) + " items");
    }
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String at = "input[" + i + "]";
      if (!item.isObject()) {
        throw ResponsesFace.invalid(at, "must be an object");
      }
      String type = item.path("type").isString() ? item.get("type").asString() : "message";
      switch (type) {
        case "message" -> {
          String role = item.path("role").isString() ? item.get("role").asString() : null;
          if (role == null || !ROLES.contains(role)) {
            throw ResponsesFace.invalid(
                at + ".role", "must be user, assistant, system or developer");
          }
          messages.add(
              new RunRequested.HistoryEntry(
                  role.equals("developer") ? "system" : role, content(item.get("content"), at)));
        }
        case "function_call" -> {}
        case "function_call_output" -> {
          String callId = fields.optionalText(item, "call_id", 200);
          if (callId == null || callId.isBlank()) {
            throw ResponsesFace.invalid(at + ".call_id", "is required");
          }
          JsonNode output = item.get("output");
          if (output == null || !output.isString()) {
            throw ResponsesFace.invalid(at + ".output", "must be a string");
          }
          outputs.add(new ToolOutput(callId, output.asString()));
        }
        default -> throw ResponsesFace.invalid(at + ".type", "'" + type + "' is not supported");
      }
    }
  }

  private String content(JsonNode content, String at) {
    if (content != null && content.isString()) {
      return content.asString();
    }
    if (content == null || !content.isArray()) {
      throw ResponsesFace.invalid(at + ".content", "must be a string or an array of text parts");
    }
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asString("");
      if (!(type.equals("input_text") || type.equals("output_text"))
          || !part.path("text").isString()) {
        throw ResponsesFace.invalid(
            at + ".content[" + j + "]", "only input_text and output_text parts are supported");
      }
      text.append(part.get("text").asString());
    }
    return text.toString();
  }

  /** The function tools as the Response shows them ({@code FunctionTool}). */
  private ArrayNode toolsJson(JsonNode body) {
    ArrayNode tools = EventJson.MAPPER.createArrayNode();
    JsonNode value = body.get("tools");
    if (value == null || value.isNull()) {
      return tools;
    }
    if (!value.isArray()) {
      throw ResponsesFace.invalid("tools", "must be an array of function tools");
    }
    for (int i = 0; i < value.size(); i++) {
      JsonNode tool = value.get(i);
      if (!tool.isObject() || !"function".equals(tool.path("type").asString(""))) {
        throw ResponsesFace.invalid("tools[" + i + "].type", "only function tools are supported");
      }
      ObjectNode shown = tools.addObject();
      shown.put("type", "function");
      shown.set("name", tool.get("name"));
      shown.set(
          "description",
          tool.has("description") ? tool.get("description") : EventJson.MAPPER.nullNode());
      shown.set(
          "parameters",
          tool.has("parameters") ? tool.get("parameters") : EventJson.MAPPER.nullNode());
      shown.set("strict", tool.has("strict") ? tool.get("strict") : EventJson.MAPPER.nullNode());
    }
    return tools;
  }

  /** {@code metadata}: at most 16 string values ({@code {}} when absent). */
  private JsonNode metadata(JsonNode body) {
    String json = fields.metadata(body, "metadata");
    if (json == null) {
      return EventJson.MAPPER.createObjectNode();
    }
    JsonNode metadata = EventJson.MAPPER.readTree(json);
    if (metadata.size() > MAX_METADATA_KEYS) {
      throw ResponsesFace.invalid("metadata", "must have at most 16 keys");
    }
    for (Map.Entry<String, JsonNode> entry : metadata.properties()) {
      if (entry.getKey().length() > 64
          || !entry.getValue().isString()
          || entry.getValue().asString().length() > 512) {
        throw ResponsesFace.invalid(
            "metadata", "keys are at most 64 characters and values strings of at most 512");
      }
    }
    return metadata;
  }

  private static Double number(JsonNode body, String field, double min, double max) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
      throw ResponsesFace.invalid(field, "must be a number from " + min + " to " + max);
    }
    return value.asDouble();
  }

  private static boolean flag(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw ResponsesFace.invalid(field, "must be a boolean");
    }
    return value.asBoolean();
  }
}
