package io.runstream.fanout.responses;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.problem.ApiException;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses face's dialect (OpenAI's error body, statuses the SDKs do not retry needlessly) and
 * its events: numbered from 0 whenever they are read, a Response cut at a client tool call, the
 * Response after it continuing the one before.
 */
class ResponsesFaceTest {
  private final ResponsesFace face = new ResponsesFace();
  private final UUID run = UUID.randomUUID();
  private final UUID session = UUID.randomUUID();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> error(ResponseEntity<Object> answer) {
    return (Map<String, Object>) ((Map<String, Object>) answer.getBody()).get("error");
  }

  @Test
  void shouldAnswerErrorsAsOpenAiDoes() {
    ResponseEntity<Object> invalid = face.response(ApiException.invalid("input", "is required"));
    assertThat(invalid.getStatusCode().value()).isEqualTo(400);
    assertThat(error(invalid))
        .containsEntry("type", "invalid_request_error")
        .containsEntry("param", "input")
        .containsKey("code")
        .containsKey("message");
    assertThat(invalid.getHeaders().getFirst(ResponsesFace.SHOULD_RETRY)).isEqualTo("false");

    ResponseEntity<Object> conflict =
        face.response(new ApiException(HttpStatus.CONFLICT, "run_in_progress", "Conflict", "busy"));
    assertThat(conflict.getStatusCode().value()).isEqualTo(400);
    assertThat(conflict.getHeaders().getFirst(ResponsesFace.SHOULD_RETRY)).isEqualTo("false");

    ResponseEntity<Object> limited =
        face.response(
            new ApiException(
                HttpStatus.TOO_MANY_REQUESTS,
                "rate_limited",
                "Too Many Requests",
                "slow down",
                Map.of(),
                Map.of("Retry-After", "2")));
    assertThat(limited.getStatusCode().value()).isEqualTo(429);
    assertThat(error(limited)).containsEntry("code", "rate_limit_exceeded");
    assertThat(limited.getHeaders().getFirst("Retry-After")).isEqualTo("2");
    assertThat(limited.getHeaders().getFirst(ResponsesFace.SHOULD_RETRY)).isNull();

    ResponseEntity<Object> quota =
        face.response(
            new ApiException(HttpStatus.PAYMENT_REQUIRED, "INSUFFICIENT_BALANCE", "x", "spent"));
    assertThat(quota.getStatusCode().value()).isEqualTo(429);
    assertThat(error(quota)).containsEntry("code", "insufficient_quota");
    assertThat(quota.getHeaders().getFirst(ResponsesFace.SHOULD_RETRY)).isEqualTo("false");

    ResponseEntity<Object> missing = face.response(ResponsesFace.notFound("resp_x"));
    assertThat(missing.getStatusCode().value()).isEqualTo(404);
    assertThat(error(missing)).containsEntry("code", null).containsEntry("param", null);
  }

  @Test
  void shouldReadResponseIdsOfRunsAndOfTheirParts() {
    String id = ResponseEnvelope.id(run);
    assertThat(ResponseEnvelope.ref(id)).contains(new ResponseEnvelope.Ref(run, 0));
    assertThat(ResponseEnvelope.ref(ResponseEnvelope.id(run, 17)))
        .contains(new ResponseEnvelope.Ref(run, 17));
    assertThat(ResponseEnvelope.ref("resp_nope")).isEmpty();
    assertThat(ResponseEnvelope.ref(id + "_")).isEmpty();
    assertThat(ResponseEnvelope.ref(id.toUpperCase())).isEmpty();
  }

  private List<RunChunk> toolRun() {
    List<RunChunk> chunks = new ArrayList<>();
    chunks.add(chunk(1, null, new ChunkData.RunStarted(UUID.randomUUID(), null)));
    chunks.add(chunk(2, "t1", new ChunkData.TextStart()));
    chunks.add(chunk(3, "t1", new ChunkData.TextDelta("Let me ")));
    chunks.add(chunk(4, "t1", new ChunkData.TextDelta("look.")));
    chunks.add(chunk(5, "t1", new ChunkData.TextEnd()));
    chunks.add(
        chunk(
            6,
            null,
            new ChunkData.ToolCall(
                "call_1",
                "get_weather",
                EventJson.MAPPER.readTree("{\"city\":\"Paris\"}"),
                "client")));
    chunks.add(chunk(7, null, new ChunkData.ToolResult("call_1", null, null)));
    chunks.add(chunk(8, "t2", new ChunkData.TextDelta("Sunny.")));
    chunks.add(chunk(9, null, new ChunkData.Usage("sim", 10, 5)));
    chunks.add(chunk(10, null, new ChunkData.RunFinished("completed", "stop")));
    return chunks;
  }

  private RunChunk chunk(long seq, String part, ChunkData data) {
    return new RunChunk(1, run, session, seq, Instant.now(), part, data);
  }

  private ResponseEnvelope envelope(long after, String previous) {
    return new ResponseEnvelope(
            null,
            0,
            "simulated/sim-1",
            null,
            EventJson.MAPPER.createObjectNode(),
            EventJson.MAPPER.createArrayNode(),
            null,
            null,
            null,
            false,
            null)
        .after(run, after, previous);
  }

  private static List<ObjectNode> events(ResponseState state, List<RunChunk> chunks) {
    List<ObjectNode> events = new ArrayList<>();
    chunks.forEach(chunk -> events.addAll(state.apply(chunk)));
    return events;
  }

  @Test
  void shouldCompleteAResponseAtItsClientToolCallAndContinueItInTheNext() {
    ResponseState first = new ResponseState(envelope(0, null), "in_progress", 0);
    List<ObjectNode> events = events(first, toolRun());
    assertThat(first.ended()).isTrue();
    assertThat(events.stream().map(e -> e.get("type").asString()))
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed");
    assertThat(events.stream().map(e -> e.get("sequence_number").asInt()))
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
    JsonNode completed = events.getLast().get("response");
    assertThat(completed.get("status").asString()).isEqualTo("completed");
    assertThat(completed.get("output").get(1).get("call_id").asString()).isEqualTo("call_1");
    assertThat(completed.get("output").get(1).get("arguments").asString())
        .isEqualTo("{\"city\":\"Paris\"}");

    String firstId = ResponseEnvelope.id(run);
    ResponseState second = new ResponseState(envelope(6, firstId), "in_progress", 6);
    List<ObjectNode> next = events(second, toolRun());
    assertThat(next.getFirst().get("type").asString()).isEqualTo("response.created");
    assertThat(next.getFirst().get("sequence_number").asInt()).isZero();
    JsonNode done = next.getLast().get("response");
    assertThat(done.get("id").asString()).isEqualTo(firstId + "_6");
    assertThat(done.get("previous_response_id").asString()).isEqualTo(firstId);
    assertThat(done.get("output").get(0).get("content").get(0).get("text").asString())
        .isEqualTo("Sunny.");
    assertThat(done.get("usage").get("total_tokens").asLong()).isEqualTo(15);
    assertThat(done.has("output_text")).isFalse();
  }

  @Test
  void shouldMakeTheSameEventsWheneverTheRunIsRead() {
    List<ObjectNode> once =
        events(new ResponseState(envelope(6, null), "in_progress", 6), toolRun());
    List<ObjectNode> again =
        events(new ResponseState(envelope(6, null), "in_progress", 6), toolRun());
    assertThat(again).isEqualTo(once);
  }
}
