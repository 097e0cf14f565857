package io.runstream.fanout.agui;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.sse.FaceRenderer;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.GoldenEvents;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AG-UI face's events (AgUiIT validates them with {@code @ag-ui/core}'s schemas through {@code
 * HttpAgent}): every chunk type of the golden run, what a stopped run ends with, a resumed reader's
 * reopening, a frontend tool call that ends the AG-UI run and the continuation after it.
 */
class AgUiRendererTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AgUiRenderer RENDERER = new AgUiRenderer();

  /** One event of the wire: its id and its JSON. */
  record Event(long id, JsonNode json) {
    String type() {
      return json.path("type").asString();
    }
  }

  /** A reader's events as SseStream feeds a stateful rendering (skipping up to {@code after}). */
  private static List<Event> read(FaceRenderer renderer, List<RunChunk> run, long after) {
    FaceRenderer.Rendering rendering = renderer.rendering();
    StringBuilder wire = new StringBuilder();
    for (RunChunk chunk : run) {
      if (chunk.seq() <= after) {
        rendering.skip(chunk);
        continue;
      }
      wire.append(new String(rendering.render(HotChunk.of(chunk)), StandardCharsets.UTF_8));
    }
    List<Event> events = new ArrayList<>();
    for (String block : wire.toString().split("\n\n")) {
      if (block.isEmpty()) {
        continue;
      }
      String[] lines = block.split("\n");
      assertThat(lines).hasSize(2);
      assertThat(lines[0]).startsWith("id: ");
      assertThat(lines[1]).startsWith("data: ");
      events.add(
          new Event(Long.parseLong(lines[0].substring(4)), JSON.readTree(lines[1].substring(6))));
    }
    return events;
  }

  private static List<String> types(List<Event> events) {
    return events.stream().map(Event::type).toList();
  }

  /** What AG-UI's client verifies: every opener closed before the run's end, none closed twice. */
  private static void balanced(List<Event> events) {
    Set<String> open = new HashSet<>();
    for (Event event : events) {
      JsonNode json = event.json();
      assertThat(json.path("timestamp").isIntegralNumber()).as(json.toString()).isTrue();
      String key =
          json.has("messageId")
              ? json.path("messageId").asString()
              : json.has("toolCallId")
                  ? json.path("toolCallId").asString()
                  : json.path("stepName").asString();
      switch (event.type()) {
        case "TEXT_MESSAGE_START", "TOOL_CALL_START", "STEP_STARTED", "REASONING_START" ->
            assertThat(open.add(event.type().split("_")[0] + key)).as(json.toString()).isTrue();
        case "TEXT_MESSAGE_END", "TOOL_CALL_END", "STEP_FINISHED", "REASONING_END" ->
            assertThat(open.remove(event.type().split("_")[0] + key)).as(json.toString()).isTrue();
        case "RUN_FINISHED", "RUN_ERROR" -> assertThat(open).as("open at the end").isEmpty();
        default -> {}
      }
      assertThat(json.toString()).doesNotContain("null");
    }
  }

  @Test
  void shouldRenderTheGoldenRunInAgUiEvents() {
    List<RunChunk> run = GoldenEvents.chunks();
    List<Event> events = read(RENDERER, run, 0);
    balanced(events);
    RunChunk start = run.getFirst();
    assertThat(events.getFirst().json().path("threadId").asString())
        .isEqualTo(start.sessionId().toString());
    assertThat(events.getFirst().json().path("runId").asString())
        .isEqualTo(start.runId().toString());
    assertThat(types(events))
        .startsWith("RUN_STARTED", "STEP_STARTED", "REASONING_START", "REASONING_MESSAGE_START")
        .contains(
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "TOOL_CALL_START",
            "TOOL_CALL_ARGS",
            "TOOL_CALL_END",
            "TOOL_CALL_RESULT",
            "CUSTOM")
        .endsWith("RUN_FINISHED");
    JsonNode text =
        events.stream().filter(e -> e.type().equals("TEXT_MESSAGE_START")).findFirst().get().json();
    assertThat(text.path("messageId").asString())
        .as("the agent message's id")
        .isEqualTo(((ChunkData.RunStarted) start.data()).messageId().toString());
    assertThat(text.path("role").asString()).isEqualTo("assistant");
    JsonNode finished = events.getLast().json();
    assertThat(finished.path("usage").get(0).path("outputTokens").asLong()).isPositive();
    assertThat(events.stream().map(Event::id).toList()).isSorted();
  }

  @Test
  void shouldEndAStoppedRunWithItsOutcomeAndAFailedOneWithRunError() {
    UUID runId = UUID.randomUUID();
    List<RunChunk> stopped =
        chunks(
            runId,
            new ChunkData.TextStart(),
            new ChunkData.TextDelta("Half"),
            new ChunkData.RunAborted("stop requested"),
            new ChunkData.RunFinished("cancelled", "stop"));
    List<Event> events = read(RENDERER.bind("t", "r", null, null), stopped, 0);
    balanced(events);
    assertThat(types(events))
        .containsExactly(
            "RUN_STARTED",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "RUN_FINISHED");
    assertThat(events.getLast().json().path("outcome").path("type").asString())
        .isEqualTo("cancelled");
    assertThat(events.getLast().json().path("runId").asString()).isEqualTo("r");

    List<RunChunk> failed =
        chunks(
            runId,
            new ChunkData.TextStart(),
            new ChunkData.Error("provider_down", "The provider is down", false),
            new ChunkData.RunFinished("failed", "error"));
    List<Event> failure = read(RENDERER.bind("t", "r", null, null), failed, 0);
    balanced(failure);
    JsonNode error = failure.getLast().json();
    assertThat(error.path("type").asString()).isEqualTo("RUN_ERROR");
    assertThat(error.path("code").asString()).isEqualTo("provider_down");
    assertThat(error.path("message").asString()).isEqualTo("The provider is down");
  }

  @Test
  void shouldReopenWhatIsOpenForAReaderResumedMidRun() {
    List<RunChunk> run = GoldenEvents.chunks();
    List<Event> whole = read(RENDERER.bind("t", "r", null, null), run, 0);
    // After the first text delta: the step and the message are open.
    long after = run.stream().filter(c -> c.type().equals("text.delta")).findFirst().get().seq();
    List<Event> resumed = read(RENDERER.bind("t", "r", after, null), run, after);
    balanced(resumed);
    List<Event> reopened = resumed.stream().filter(e -> e.id() == after).toList();
    assertThat(types(reopened))
        .containsExactly("RUN_STARTED", "STEP_STARTED", "TEXT_MESSAGE_START");
    assertThat(resumed.subList(reopened.size(), resumed.size()))
        .isEqualTo(whole.stream().filter(e -> e.id() > after).toList());
  }

  @Test
  void shouldEndTheAgUiRunAtAFrontendToolCallAndContinueAfterItsAnswer() {
    UUID runId = UUID.randomUUID();
    List<RunChunk> run =
        chunks(
            runId,
            new ChunkData.StepStarted(1),
            new ChunkData.ToolInputStart("call-1", "get_weather"),
            new ChunkData.ToolCall(
                "call-1", "get_weather", JSON.readTree("{\"city\":\"Lisbon\"}"), "client"),
            new ChunkData.ToolResult("call-1", JSON.readTree("\"sunny\""), null),
            new ChunkData.StepFinished("tool-calls"),
            new ChunkData.StepStarted(2),
            new ChunkData.TextStart(),
            new ChunkData.TextDelta("Sunny"),
            new ChunkData.TextEnd(),
            new ChunkData.StepFinished("stop"),
            new ChunkData.RunFinished("completed", "stop"));
    AgUiEnding ending = new AgUiEnding();
    List<Event> calling = read(RENDERER.bind("t", "r1", null, ending), run, 0);
    balanced(calling);
    assertThat(types(calling))
        .containsExactly(
            "RUN_STARTED",
            "STEP_STARTED",
            "TOOL_CALL_START",
            "TOOL_CALL_ARGS",
            "TOOL_CALL_END",
            "STEP_FINISHED",
            "RUN_FINISHED");
    assertThat(calling.get(3).json().path("delta").asString()).isEqualTo("{\"city\":\"Lisbon\"}");
    assertThat(calling.getLast().json().path("runId").asString()).isEqualTo("r1");

    List<Event> continued =
        read(RENDERER.continuation("t", "r2", Set.of("call-1"), new AgUiEnding()), run, 0);
    balanced(continued);
    assertThat(types(continued))
        .containsExactly(
            "RUN_STARTED",
            "STEP_STARTED",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "STEP_FINISHED",
            "RUN_FINISHED");
    assertThat(continued.getFirst().json().path("runId").asString()).isEqualTo("r2");
    assertThat(continued.getFirst().id()).isGreaterThan(calling.getLast().id());
  }

  private static List<RunChunk> chunks(UUID runId, ChunkData... data) {
    UUID session = UUID.randomUUID();
    List<RunChunk> chunks = new ArrayList<>();
    chunks.add(
        RunChunk.of(
            runId,
            session,
            1,
            Instant.now(),
            null,
            new ChunkData.RunStarted(UUID.randomUUID(), null)));
    for (ChunkData item : data) {
      chunks.add(
          RunChunk.of(
              runId, session, chunks.size() + 1, Instant.now(), "p" + chunks.size() / 100, item));
    }
    return chunks;
  }
}
