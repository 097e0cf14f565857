package io.runstream.fanout.agui;

import io.runstream.fanout.sse.SseFrames;
import io.runstream.fanout.sse.StatefulRenderer;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.RunRequested;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The AG-UI face's rendering ({@code @ag-ui/core} 1.0.0's events; {@code docs/faces/ag-ui.md}):
 * data-only SSE events, one JSON object per {@code data:} line, each with the {@code id:} of the
 * chunk it renders (the events of one chunk share it) and a {@code timestamp} in milliseconds.
 * {@code RUN_STARTED {threadId, runId}} first; text parts as {@code TEXT_MESSAGE_START} (role
 * {@code assistant}; the run's first text part has the id of the run's agent message, a later one
 * that id and {@code /<part>}), {@code TEXT_MESSAGE_CONTENT}, {@code TEXT_MESSAGE_END}; reasoning
 * as {@code REASONING_START}, {@code REASONING_MESSAGE_START/CONTENT/END}, {@code REASONING_END};
 * model steps as {@code STEP_STARTED/FINISHED} named {@code step-<n>}, stage updates as a step
 * named by the stage's mission label (its other fields in the event's {@code metadata}); tool calls
 * as {@code TOOL_CALL_START {toolCallId, toolCallName, parentMessageId}}, {@code TOOL_CALL_ARGS}
 * (the arguments' JSON), {@code TOOL_CALL_END}, results as {@code TOOL_CALL_RESULT}; documents,
 * retrievals and images as {@code CUSTOM} ({@code runstream.doc}, {@code runstream.retrieved},
 * {@code runstream.image}); last {@code RUN_FINISHED {threadId, runId, usage?}} ({@code outcome:
 * {type: "cancelled"}} for a stopped run), or {@code RUN_ERROR {message, code}} for a failed one,
 * after the messages, reasoning, tool calls and steps still open were closed (AG-UI's client
 * refuses a run that finishes with any open). Optional fields are left out, never null.
 *
 * <p>A frontend (client) tool call ends the AG-UI run, as AG-UI's frontend tools do: after its
 * {@code TOOL_CALL_END}, whatever is open is closed and {@code RUN_FINISHED} ends the answer, while
 * the Runstream run waits for the result; the client's next run ({@link #continuation}) brings the
 * result as a tool message and reads the rest of the same Runstream run as a new AG-UI run. The
 * result itself is not rendered ({@code TOOL_CALL_RESULT} only for server tools): the client has it
 * as its own message.
 *
 * <p>Per reader (stateful): the client's {@code threadId} and {@code runId} ({@link #bind}; the
 * Runstream session and run ids when read unbound). A reader resumed after an id in the middle of a
 * run ({@code Last-Event-ID}) first gets {@code RUN_STARTED} and the openers of what is open at
 * that point again, with the resume id (its cursor does not move), so that an AG-UI client, which
 * wants {@code RUN_STARTED} first and every delta after its opener, accepts the resumed stream.
 */
@Component
public class AgUiRenderer extends StatefulRenderer {

  @Override
  public String face() {
    return AgUiFace.ID;
  }

  /** A reader that knows no client ids: the Runstream session's and run's. */
  @Override
  protected State state() {
    return new Reading(null, null, null, Set.of(), null);
  }

  /**
   * The rendering for one request: the client's {@code threadId} and {@code runId}, and the id the
   * reader resumes after (null: from the run's start). The AG-UI run ends at the run's first client
   * tool call that is not answered yet (after its {@code TOOL_CALL_END}: {@code RUN_FINISHED}, then
   * {@code ending} closes the response).
   */
  public StatefulRenderer bind(String threadId, String runId, Long after, AgUiEnding ending) {
    return bound(threadId, runId, after, Set.of(), ending);
  }

  /**
   * The rendering of a run's continuation after the client answered its tool calls {@code answered}
   * (a new AG-UI run, {@code runId}, on the same Runstream run): nothing up to those calls, then
   * {@code RUN_STARTED} and what follows, to the end or the next client tool call.
   */
  public StatefulRenderer continuation(
      String threadId, String runId, Set<String> answered, AgUiEnding ending) {
    return bound(threadId, runId, null, Set.copyOf(answered), ending);
  }

  private StatefulRenderer bound(
      String threadId, String runId, Long after, Set<String> answered, AgUiEnding ending) {
    return new StatefulRenderer() {
      @Override
      public String face() {
        return AgUiFace.ID;
      }

      @Override
      protected State state() {
        return new Reading(threadId, runId, after, answered, ending);
      }
    };
  }

  /** One reader's state: what is open, the usage and error so far. */
  static final class Reading implements State {
    private final String threadId;
    private final String runId;
    private final Long after;
    private boolean written;
    private final Set<String> answered;
    private final AgUiEnding ending;
    private final Set<String> clientCalls = new LinkedHashSet<>();
    private boolean ended;
    private String agentMessageId;
    private RunRequested.ModelRef model;
    private boolean firstText = true;
    private final Map<String, String> texts = new LinkedHashMap<>();
    private final Map<String, String> reasoning = new LinkedHashMap<>();
    private final Set<String> tools = new LinkedHashSet<>();
    private final Map<String, String> toolNames = new LinkedHashMap<>();
    private String step;
    private String stage;
    private ChunkData.Usage usage;
    private ChunkData.Error error;
    private int reasonings;

    Reading(String threadId, String runId, Long after, Set<String> answered, AgUiEnding ending) {
      this.threadId = threadId;
      this.runId = runId;
      this.after = after;
      this.answered = new LinkedHashSet<>(answered);
      this.ending = ending;
    }

    @Override
    public byte[] frames(RunChunk chunk) {
      if (ended) {
        return SseFrames.NONE;
      }
      // Skipped: before the resume id, or up to the client tool calls a continuation answers (the
      // run's
      // end always shows).
      boolean skipped =
          (after != null && chunk.seq() <= after) || (!answered.isEmpty() && !chunk.terminal());
      List<ObjectNode> prologue = List.of();
      if (!skipped && !written && !(chunk.data() instanceof ChunkData.RunStarted)) {
        prologue = reopen(chunk);
      }
      List<ObjectNode> events = events(chunk);
      if (chunk.data() instanceof ChunkData.ToolCall call) {
        answered.remove(call.toolCallId());
        // A client call this reader gets ends its AG-UI run (one it skipped was answered already).
        ended = !skipped && ending != null && "client".equals(call.origin());
      }
      if (skipped) {
        return SseFrames.NONE;
      }
      if (prologue.isEmpty() && events.isEmpty()) {
        return SseFrames.NONE;
      }
      written = true;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (ObjectNode event : prologue) {
        out.writeBytes(
            SseFrames.event(
                after == null ? chunk.seq() : after,
                null,
                EventJson.MAPPER.writeValueAsString(event)));
      }
      for (ObjectNode event : events) {
        out.writeBytes(
            SseFrames.event(chunk.seq(), null, EventJson.MAPPER.writeValueAsString(event)));
      }
      if (ended && ending != null) {
        ending.finish();
      }
      return out.toByteArray();
    }

    /** What a reader resumed mid-run gets first: the run's start, the openers of what is open. */
    private List<ObjectNode> reopen(RunChunk chunk) {
      List<ObjectNode> events = new ArrayList<>();
      events.add(runStarted(chunk));
      if (step != null) {
        events.add(event("STEP_STARTED", chunk).put("stepName", step));
      }
      if (stage != null) {
        events.add(event("STEP_STARTED", chunk).put("stepName", stage));
      }
      reasoning
          .values()
          .forEach(
              id -> {
                events.add(event("REASONING_START", chunk).put("messageId", id));
                events.add(
                    event("REASONING_MESSAGE_START", chunk)
                        .put("messageId", id)
                        .put("role", "reasoning"));
              });
      texts
          .values()
          .forEach(
              id ->
                  events.add(
                      event("TEXT_MESSAGE_START", chunk)
                          .put("messageId", id)
                          .put("role", "assistant")));
      for (String id : tools) {
        events.add(toolStart(chunk, id, toolNames.get(id)));
      }
      return events;
    }

    private List<ObjectNode> events(RunChunk chunk) {
      List<ObjectNode> events = new ArrayList<>();
      String part = chunk.part() == null ? "" : chunk.part();
      switch (chunk.data()) {
        case ChunkData.RunStarted d -> {
          agentMessageId = d.messageId().toString();
          model = d.model();
          events.add(runStarted(chunk));
        }
        case ChunkData.StepStarted d -> {
          closeStep(chunk, events);
          step = "step-" + d.step();
          events.add(event("STEP_STARTED", chunk).put("stepName", step));
        }
        case ChunkData.StepFinished d -> closeStep(chunk, events);
        case ChunkData.TextStart d -> openText(chunk, part, events);
        case ChunkData.TextDelta d -> {
          String id = openText(chunk, part, events);
          if (!d.delta().isEmpty()) {
            events.add(
                event("TEXT_MESSAGE_CONTENT", chunk).put("messageId", id).put("delta", d.delta()));
          }
        }
        case ChunkData.TextEnd d -> {
          String id = texts.remove(part);
          if (id != null) {
            events.add(event("TEXT_MESSAGE_END", chunk).put("messageId", id));
          }
        }
        case ChunkData.ReasoningStart d -> openReasoning(chunk, part, events);
        case ChunkData.ReasoningDelta d -> {
          String id = openReasoning(chunk, part, events);
          if (!d.delta().isEmpty()) {
            events.add(
                event("REASONING_MESSAGE_CONTENT", chunk)
                    .put("messageId", id)
                    .put("delta", d.delta()));
          }
        }
        case ChunkData.ReasoningEnd d -> {
          String id = reasoning.remove(part);
          if (id != null) {
            closeReasoning(chunk, id, events);
          }
        }
        case ChunkData.ToolInputStart d -> {
          firstText = false;
          if (toolNames.putIfAbsent(d.toolCallId(), d.toolName()) == null) {
            tools.add(d.toolCallId());
            events.add(toolStart(chunk, d.toolCallId(), d.toolName()));
          }
        }
        case ChunkData.ToolCall d -> {
          firstText = false;
          if (toolNames.putIfAbsent(d.toolCallId(), d.toolName()) == null) {
            tools.add(d.toolCallId());
            events.add(toolStart(chunk, d.toolCallId(), d.toolName()));
          }
          if (tools.remove(d.toolCallId())) {
            events.add(
                event("TOOL_CALL_ARGS", chunk)
                    .put("toolCallId", d.toolCallId())
                    .put(
                        "delta",
                        d.input() == null ? "{}" : EventJson.MAPPER.writeValueAsString(d.input())));
            events.add(event("TOOL_CALL_END", chunk).put("toolCallId", d.toolCallId()));
          }
          if ("client".equals(d.origin())) {
            clientCalls.add(d.toolCallId());
            if (ending != null) {
              // AG-UI's frontend tools: the run ends here, the result comes with the next run.
              closeAll(chunk, events);
              events.add(
                  event("RUN_FINISHED", chunk)
                      .put("threadId", threadId(chunk))
                      .put("runId", runId(chunk)));
              written = false;
            }
          }
        }
        case ChunkData.ToolResult d when clientCalls.contains(d.toolCallId()) -> {
          // The client's own answer: it has it as its tool message already.
        }
        case ChunkData.ToolResult d -> {
          String content =
              d.errorText() != null
                  ? d.errorText()
                  : d.output() == null || d.output().isNull()
                      ? ""
                      : d.output().isString()
                          ? d.output().asString()
                          : EventJson.MAPPER.writeValueAsString(d.output());
          events.add(
              event("TOOL_CALL_RESULT", chunk)
                  .put("messageId", "result-" + d.toolCallId())
                  .put("toolCallId", d.toolCallId())
                  .put("content", content)
                  .put("role", "tool"));
        }
        case ChunkData.Stage d -> {
          closeStage(chunk, events);
          stage =
              d.missionLabel() == null || d.missionLabel().isBlank() ? "stage" : d.missionLabel();
          ObjectNode event = event("STEP_STARTED", chunk).put("stepName", stage);
          ObjectNode metadata = EventJson.MAPPER.createObjectNode();
          putIf(metadata, "mood", d.mood());
          putIf(metadata, "leftPanel", d.leftPanel());
          putIf(metadata, "rightPanel", d.rightPanel());
          putIf(metadata, "stageTarget", d.stageTarget());
          if (!metadata.isEmpty()) {
            event.set("metadata", metadata);
          }
          events.add(event);
        }
        case ChunkData.Doc d -> events.add(custom(chunk, "runstream.doc", d));
        case ChunkData.Retrieved d -> events.add(custom(chunk, "runstream.retrieved", d));
        case ChunkData.Image d -> events.add(custom(chunk, "runstream.image", d));
        case ChunkData.Usage d -> usage = d;
        case ChunkData.Error d -> error = d;
        case ChunkData.RunFinished d -> {
          closeAll(chunk, events);
          if (d.status().equals("failed")) {
            ObjectNode event =
                event("RUN_ERROR", chunk)
                    .put(
                        "message",
                        error == null || error.message().isBlank()
                            ? "The run failed."
                            : error.message())
                    .put("code", error == null ? "run_failed" : error.code());
            usage(event);
            events.add(event);
          } else {
            ObjectNode event =
                event("RUN_FINISHED", chunk)
                    .put("threadId", threadId(chunk))
                    .put("runId", runId(chunk));
            if (d.status().equals("cancelled")) {
              event.putObject("outcome").put("type", "cancelled");
            }
            usage(event);
            events.add(event);
          }
        }
        default -> {}
      }
      return events;
    }

    private ObjectNode runStarted(RunChunk chunk) {
      return event("RUN_STARTED", chunk)
          .put("threadId", threadId(chunk))
          .put("runId", runId(chunk));
    }

    private ObjectNode toolStart(RunChunk chunk, String id, String name) {
      ObjectNode event =
          event("TOOL_CALL_START", chunk)
              .put("toolCallId", id)
              .put("toolCallName", name == null ? "" : name);
      if (agentMessageId != null) {
        event.put("parentMessageId", agentMessageId);
      }
      return event;
    }

    private void usage(ObjectNode event) {
      if (usage == null) {
        return;
      }
      ObjectNode tokens = event.putArray("usage").addObject();
      if (model != null && model.provider() != null) {
        tokens.put("provider", model.provider());
      }
      if (usage.model() != null) {
        tokens.put("model", usage.model());
      }
      tokens
          .put("inputTokens", usage.inputTokens())
          .put("outputTokens", usage.outputTokens())
          .put("totalTokens", usage.inputTokens() + usage.outputTokens());
    }

    private String threadId(RunChunk chunk) {
      return threadId != null ? threadId : chunk.sessionId().toString();
    }

    private String runId(RunChunk chunk) {
      return runId != null ? runId : chunk.runId().toString();
    }

    private String openText(RunChunk chunk, String part, List<ObjectNode> events) {
      String id = texts.get(part);
      if (id == null) {
        String base = agentMessageId == null ? chunk.runId().toString() : agentMessageId;
        id = firstText ? base : base + "/" + (part.isEmpty() ? chunk.seq() : part);
        firstText = false;
        texts.put(part, id);
        events.add(
            event("TEXT_MESSAGE_START", chunk).put("messageId", id).put("role", "assistant"));
      }
      return id;
    }

    private String openReasoning(RunChunk chunk, String part, List<ObjectNode> events) {
      String id = reasoning.get(part);
      if (id == null) {
        String base = agentMessageId == null ? chunk.runId().toString() : agentMessageId;
        id = base + "/reasoning-" + ++reasonings;
        reasoning.put(part, id);
        events.add(event("REASONING_START", chunk).put("messageId", id));
        events.add(
            event("REASONING_MESSAGE_START", chunk).put("messageId", id).put("role", "reasoning"));
      }
      return id;
    }

    private static void closeReasoning(RunChunk chunk, String id, List<ObjectNode> events) {
      events.add(event("REASONING_MESSAGE_END", chunk).put("messageId", id));
      events.add(event("REASONING_END", chunk).put("messageId", id));
    }

    private void closeStep(RunChunk chunk, List<ObjectNode> events) {
      if (step != null) {
        events.add(event("STEP_FINISHED", chunk).put("stepName", step));
        step = null;
      }
    }

    private void closeStage(RunChunk chunk, List<ObjectNode> events) {
      if (stage != null) {
        events.add(event("STEP_FINISHED", chunk).put("stepName", stage));
        stage = null;
      }
    }

    /** Everything still open, closed (the run ends). */
    private void closeAll(RunChunk chunk, List<ObjectNode> events) {
      texts
          .values()
          .forEach(id -> events.add(event("TEXT_MESSAGE_END", chunk).put("messageId", id)));
      texts.clear();
      reasoning.values().forEach(id -> closeReasoning(chunk, id, events));
      reasoning.clear();
      tools.forEach(id -> events.add(event("TOOL_CALL_END", chunk).put("toolCallId", id)));
      tools.clear();
      closeStage(chunk, events);
      closeStep(chunk, events);
    }

    private static ObjectNode custom(RunChunk chunk, String name, ChunkData data) {
      ObjectNode event = event("CUSTOM", chunk).put("name", name);
      JsonNode value = EventJson.MAPPER.valueToTree(data);
      event.set("value", value);
      return event;
    }

    private static void putIf(ObjectNode node, String field, String value) {
      if (value != null) {
        node.put(field, value);
      }
    }

    private static ObjectNode event(String type, RunChunk chunk) {
      return EventJson.MAPPER
          .createObjectNode()
          .put("type", type)
          .put("timestamp", chunk.ts().toEpochMilli());
    }
  }
}
