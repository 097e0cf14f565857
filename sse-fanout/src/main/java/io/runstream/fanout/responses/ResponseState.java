package io.runstream.fanout.responses;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One reading of a run as an OpenAI Response (openai 7.55.0, {@code responses.d.ts}): the events of
 * each chunk in the official union, numbered from 0 ({@code sequence_number}), and the Response
 * object so far. Text parts are {@code message} items with one {@code output_text} part, reasoning
 * parts {@code reasoning} items with one {@code reasoning_text} part; client tool calls are {@code
 * function_call} items; the run's end is {@code response.completed}, {@code response.incomplete}
 * (the output limit) or {@code response.failed}, and a stopped run ends with {@code
 * response.incomplete} and the status {@code cancelled}. Fed every chunk of the run from its start,
 * in seq order, it makes the same events whenever it is read, so a {@code starting_after} cursor is
 * a position in a fixed sequence. One reader's, not thread-safe.
 */
final class ResponseState {
  private final ResponseEnvelope envelope;
  private final String stem;
  private int sequence;
  private final List<ObjectNode> output = new ArrayList<>();
  private final Map<String, Integer> openText = new HashMap<>();
  private final Map<String, Integer> openReasoning = new HashMap<>();
  private final Map<Integer, StringBuilder> texts = new HashMap<>();
  private final Map<String, Integer> calls = new HashMap<>();
  private long inputTokens;
  private long outputTokens;
  private boolean usageKnown;
  private String errorMessage;
  private String status;
  private String incompleteReason;
  private boolean started;
  private boolean ended;
  private final long after;
  private long lastBoundary;
  private String previousResponseId;

  /** The Response of a whole run (its first Response). */
  ResponseState(ResponseEnvelope envelope, String status) {
    this(envelope, status, 0);
  }

  /**
   * The Response of the part of a run after {@code after} (0: from its start): the chunks up to it
   * only tell where the Response before it started ({@code previous_response_id}).
   */
  ResponseState(ResponseEnvelope envelope, String status, long after) {
    this.envelope = envelope;
    this.stem = envelope.id().substring(ResponseEnvelope.PREFIX.length());
    this.status = status;
    this.after = after;
    this.previousResponseId = envelope.previousResponseId();
  }

  /**
   * True once the Response is over: its run ended, or it called a client tool (the run waits for
   * the result, which the next Response's request brings).
   */
  boolean ended() {
    return ended;
  }

  /** The Response's status so far. */
  String status() {
    return status;
  }

  /** The events of {@code chunk}, numbered on from the previous ones. */
  List<ObjectNode> apply(RunChunk chunk) {
    List<ObjectNode> events = new ArrayList<>();
    if (ended) {
      return events;
    }
    if (chunk.seq() <= after) {
      // Before this Response: its client tool calls are where the Responses before it ended.
      if (chunk.data() instanceof ChunkData.ToolCall d && "client".equals(d.origin())) {
        previousResponseId = ResponseEnvelope.id(chunk.runId(), lastBoundary);
        lastBoundary = chunk.seq();
      }
      return events;
    }
    switch (chunk.data()) {
      case ChunkData.RunStarted d -> start(events);
      case ChunkData.TextStart d -> openText(events, chunk.part());
      case ChunkData.TextDelta d -> {
        int index = openText(events, chunk.part());
        texts.get(index).append(d.delta());
        ObjectNode event = event(events, "response.output_text.delta");
        event.put("item_id", itemId(index)).put("output_index", index).put("content_index", 0);
        event.put("delta", d.delta());
        event.putArray("logprobs");
        number(event);
      }
      case ChunkData.TextEnd d -> {
        Integer index = openText.remove(key(chunk.part()));
        if (index != null) {
          closeText(events, index, "completed");
        }
      }
      case ChunkData.ReasoningStart d -> openReasoning(events, chunk.part());
      case ChunkData.ReasoningDelta d -> {
        int index = openReasoning(events, chunk.part());
        texts.get(index).append(d.delta());
        ObjectNode event = event(events, "response.reasoning_text.delta");
        event.put("item_id", itemId(index)).put("output_index", index).put("content_index", 0);
        event.put("delta", d.delta());
        number(event);
      }
      case ChunkData.ReasoningEnd d -> {
        Integer index = openReasoning.remove(key(chunk.part()));
        if (index != null) {
          closeReasoning(events, index, "completed");
        }
      }
      case ChunkData.ToolInputStart d -> {}
      case ChunkData.ToolCall d -> {
        if ("client".equals(d.origin())) {
          call(events, d);
          // The model waits for the client's answer: this Response is complete with the call.
          finish(events, new ChunkData.RunFinished("completed", "tool-calls"));
        }
      }
      case ChunkData.Usage d -> {
        inputTokens += d.inputTokens();
        outputTokens += d.outputTokens();
        usageKnown = true;
      }
      case ChunkData.Error d -> errorMessage = d.message().isBlank() ? d.code() : d.message();
      case ChunkData.RunFinished d -> finish(events, d);
      default -> {}
    }
    return events;
  }

  private void start(List<ObjectNode> events) {
    if (started) {
      return;
    }
    started = true;
    status = "in_progress";
    ObjectNode created = event(events, "response.created");
    created.set("response", response());
    number(created);
    ObjectNode progress = event(events, "response.in_progress");
    progress.set("response", response());
    number(progress);
  }

  private int openText(List<ObjectNode> events, String part) {
    Integer open = openText.get(key(part));
    if (open != null) {
      return open;
    }
    ObjectNode item = EventJson.MAPPER.createObjectNode();
    item.put("id", "msg_" + stem + "_" + output.size())
        .put("type", "message")
        .put("status", "in_progress");
    item.putArray("content");
    item.put("role", "assistant");
    return openItem(events, item, textPart(""), openText, part);
  }

  private int openReasoning(List<ObjectNode> events, String part) {
    Integer open = openReasoning.get(key(part));
    if (open != null) {
      return open;
    }
    ObjectNode item = EventJson.MAPPER.createObjectNode();
    item.put("id", "rs_" + stem + "_" + output.size()).put("type", "reasoning");
    item.putArray("summary");
    item.putArray("content");
    item.put("status", "in_progress");
    return openItem(events, item, reasoningPart(""), openReasoning, part);
  }

  /**
   * Adds {@code item} to the output as the open item of {@code part} (in {@code open}), with its
   * {@code output_item.added} and {@code content_part.added} ({@code emptyPart}) events.
   */
  private int openItem(
      List<ObjectNode> events,
      ObjectNode item,
      ObjectNode emptyPart,
      Map<String, Integer> open,
      String part) {
    start(events);
    int index = output.size();
    output.add(item);
    open.put(key(part), index);
    texts.put(index, new StringBuilder());
    ObjectNode added = event(events, "response.output_item.added");
    added.put("output_index", index);
    added.set("item", item.deepCopy());
    number(added);
    ObjectNode partAdded = event(events, "response.content_part.added");
    partAdded.put("item_id", itemId(index)).put("output_index", index).put("content_index", 0);
    partAdded.set("part", emptyPart);
    number(partAdded);
    return index;
  }

  private void closeReasoning(List<ObjectNode> events, int index, String itemStatus) {
    closeItem(events, index, itemStatus, "response.reasoning_text.done", false);
  }

  private static ObjectNode reasoningPart(String text) {
    ObjectNode part = EventJson.MAPPER.createObjectNode();
    part.put("type", "reasoning_text");
    part.put("text", text);
    return part;
  }

  private void closeText(List<ObjectNode> events, int index, String itemStatus) {
    closeItem(events, index, itemStatus, "response.output_text.done", true);
  }

  /**
   * Closes the text or reasoning item at {@code index} with its whole text: once completed, its
   * {@code doneType} event ({@code logprobs}: with the empty list a text's done event carries),
   * then {@code content_part.done} and {@code output_item.done}.
   */
  private void closeItem(
      List<ObjectNode> events, int index, String itemStatus, String doneType, boolean logprobs) {
    String text = texts.get(index).toString();
    ObjectNode item = output.get(index);
    ObjectNode part = logprobs ? textPart(text) : reasoningPart(text);
    item.put("status", itemStatus);
    ((ArrayNode) item.get("content")).removeAll().add(part);
    if (!"completed".equals(itemStatus)) {
      return;
    }
    ObjectNode done = event(events, doneType);
    done.put("item_id", itemId(index)).put("output_index", index).put("content_index", 0);
    done.put("text", text);
    if (logprobs) {
      done.putArray("logprobs");
    }
    number(done);
    ObjectNode partDone = event(events, "response.content_part.done");
    partDone.put("item_id", itemId(index)).put("output_index", index).put("content_index", 0);
    partDone.set("part", part.deepCopy());
    number(partDone);
    ObjectNode itemDone = event(events, "response.output_item.done");
    itemDone.put("output_index", index);
    itemDone.set("item", item.deepCopy());
    number(itemDone);
  }

  private void call(List<ObjectNode> events, ChunkData.ToolCall d) {
    if (calls.containsKey(d.toolCallId())) {
      return;
    }
    start(events);
    int index = output.size();
    String arguments =
        d.input() == null || d.input().isNull()
            ? "{}"
            : EventJson.MAPPER.writeValueAsString(d.input());
    String id = "fc_" + stem + "_" + index;
    ObjectNode item = EventJson.MAPPER.createObjectNode();
    item.put("id", id).put("type", "function_call").put("status", "in_progress");
    item.put("arguments", "").put("call_id", d.toolCallId()).put("name", d.toolName());
    output.add(item);
    calls.put(d.toolCallId(), index);
    ObjectNode added = event(events, "response.output_item.added");
    added.put("output_index", index);
    added.set("item", item.deepCopy());
    number(added);
    ObjectNode delta = event(events, "response.function_call_arguments.delta");
    delta.put("item_id", id).put("output_index", index).put("delta", arguments);
    number(delta);
    ObjectNode done = event(events, "response.function_call_arguments.done");
    done.put("item_id", id).put("output_index", index).put("arguments", arguments);
    number(done);
    item.put("arguments", arguments).put("status", "completed");
    ObjectNode itemDone = event(events, "response.output_item.done");
    itemDone.put("output_index", index);
    itemDone.set("item", item.deepCopy());
    number(itemDone);
  }

  private void finish(List<ObjectNode> events, ChunkData.RunFinished d) {
    start(events);
    ended = true;
    String type;
    switch (d.status()) {
      case "completed" -> {
        if ("length".equals(d.finishReason())) {
          status = "incomplete";
          incompleteReason = "max_output_tokens";
          type = "response.incomplete";
        } else {
          status = "completed";
          type = "response.completed";
        }
      }
      case "cancelled" -> {
        status = "cancelled";
        type = "response.incomplete";
      }
      default -> {
        status = "failed";
        type = "response.failed";
        if (errorMessage == null) {
          errorMessage = "The run failed.";
        }
      }
    }
    boolean completed = "response.completed".equals(type);
    List<Integer> open = new ArrayList<>(openText.values());
    open.addAll(openReasoning.values());
    for (Integer index : open.stream().sorted().toList()) {
      if (openText.containsValue(index)) {
        closeText(events, index, completed ? "completed" : "incomplete");
      } else {
        closeReasoning(events, index, completed ? "completed" : "incomplete");
      }
    }
    openText.clear();
    openReasoning.clear();
    ObjectNode end = event(events, type);
    end.set("response", response());
    number(end);
  }

  /** The Response object as it stands: every field the official type requires, in its order. */
  ObjectNode response() {
    ObjectNode response = EventJson.MAPPER.createObjectNode();
    response.put("id", envelope.id());
    response.put("object", "response");
    response.put("created_at", envelope.createdAt());
    response.put("status", status);
    response.put("background", envelope.background());
    if ("failed".equals(status)) {
      ObjectNode error = response.putObject("error");
      error.put("code", "server_error");
      error.put("message", errorMessage == null ? "The run failed." : errorMessage);
    } else {
      response.putNull("error");
    }
    if (incompleteReason != null) {
      response.putObject("incomplete_details").put("reason", incompleteReason);
    } else {
      response.putNull("incomplete_details");
    }
    putText(response, "instructions", envelope.instructions());
    if (envelope.maxOutputTokens() == null) {
      response.putNull("max_output_tokens");
    } else {
      response.put("max_output_tokens", envelope.maxOutputTokens());
    }
    response.put("model", envelope.model());
    ArrayNode items = response.putArray("output");
    for (ObjectNode item : output) {
      ObjectNode copy = item.deepCopy();
      Integer index = output.indexOf(item);
      if (openText.containsValue(index)) {
        ((ArrayNode) copy.get("content")).removeAll().add(textPart(texts.get(index).toString()));
      } else if (openReasoning.containsValue(index)) {
        ((ArrayNode) copy.get("content"))
            .removeAll()
            .add(reasoningPart(texts.get(index).toString()));
      }
      items.add(copy);
    }
    response.put("parallel_tool_calls", true);
    putText(response, "previous_response_id", previousResponseId);
    putNumber(response, "temperature", envelope.temperature());
    response.put("tool_choice", "auto");
    response.set("tools", envelope.tools().deepCopy());
    putNumber(response, "top_p", envelope.topP());
    response.put("truncation", "disabled");
    if (usageKnown) {
      ObjectNode usage = response.putObject("usage");
      usage.put("input_tokens", inputTokens);
      usage.putObject("input_tokens_details").put("cache_write_tokens", 0).put("cached_tokens", 0);
      usage.put("output_tokens", outputTokens);
      usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
      usage.put("total_tokens", inputTokens + outputTokens);
    } else {
      response.putNull("usage");
    }
    response.set("metadata", envelope.metadata().deepCopy());
    response.putNull("access_programs");
    return response;
  }

  private static void putText(ObjectNode node, String field, String value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private static void putNumber(ObjectNode node, String field, Double value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private String itemId(int index) {
    boolean reasoning =
        index < output.size() && "reasoning".equals(output.get(index).path("type").asString(""));
    return (reasoning ? "rs_" : "msg_") + stem + "_" + index;
  }

  private static String key(String part) {
    return Objects.requireNonNullElse(part, "");
  }

  private static ObjectNode textPart(String text) {
    ObjectNode part = EventJson.MAPPER.createObjectNode();
    part.put("type", "output_text");
    part.putArray("annotations");
    part.putArray("logprobs");
    part.put("text", text);
    return part;
  }

  private static ObjectNode event(List<ObjectNode> events, String type) {
    ObjectNode event = EventJson.MAPPER.createObjectNode();
    event.put("type", type);
    events.add(event);
    return event;
  }

  private void number(ObjectNode event) {
    event.put("sequence_number", sequence++);
  }

  /** True for an event that ends the Response's stream. */
  static boolean terminal(JsonNode event) {
    String type = event.path("type").asString();
    return type.equals("response.completed")
        || type.equals("response.failed")
        || type.equals("response.incomplete");
  }
}
