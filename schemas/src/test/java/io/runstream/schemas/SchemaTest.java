package io.runstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SchemaTest {
  private static final ObjectMapper JACKSON2 = new ObjectMapper();
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  static JsonSchema schema(String name) {
    return FACTORY.getSchema(GoldenEvents.resource("/schemas/" + name));
  }

  static Set<ValidationMessage> validate(String schema, String json) throws Exception {
    return schema(schema).validate(JACKSON2.readTree(json));
  }

  static java.util.List<String> goldenChunkLines() {
    return GoldenEvents.chunkLines();
  }

  @ParameterizedTest
  @MethodSource("goldenChunkLines")
  void shouldValidateEveryGoldenChunkAgainstItsSchema(String line) throws Exception {
    assertThat(validate("run-chunk.v1.json", line)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("goldenChunkLines")
  void shouldRoundTripEveryGoldenChunkToTheSameJson(String line) throws Exception {
    RunChunk chunk = EventJson.readChunk(line.getBytes(StandardCharsets.UTF_8));
    assertThat(EventJson.knownChunkType(chunk.type())).isTrue();
    String written = new String(EventJson.writeChunk(chunk), StandardCharsets.UTF_8);
    assertThat(JACKSON2.readTree(written)).isEqualTo(JACKSON2.readTree(line));
  }

  @Test
  void shouldCoverEveryChunkTypeInTheGoldenEvents() {
    assertThat(GoldenEvents.chunks().stream().map(RunChunk::type).distinct())
        .containsExactlyInAnyOrder(
            "run.started",
            "step.started",
            "text.start",
            "text.delta",
            "text.end",
            "reasoning.start",
            "reasoning.delta",
            "reasoning.end",
            "tool.input-start",
            "tool.call",
            "tool.result",
            "stage",
            "doc",
            "retrieved",
            "image",
            "usage",
            "error",
            "step.finished",
            "run.aborted",
            "run.finished");
  }

  @Test
  void shouldValidateAndRoundTripTheGoldenRunRequest() throws Exception {
    String json = GoldenEvents.runRequestedJson();
    assertThat(validate("run-requested.v1.json", json)).isEmpty();
    RunRequested request =
        EventJson.read(json.getBytes(StandardCharsets.UTF_8), RunRequested.class);
    assertThat(request.seqBase()).isEqualTo(13);
    assertThat(request.simulation().seed()).isEqualTo(7L);
    assertThat(JACKSON2.readTree(EventJson.write(request))).isEqualTo(JACKSON2.readTree(json));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"v\":1,\"runId\":\"5b7f3c1e-2a4d-4e8f-9b1a-0c6d7e8f9a01\",\"sessionId\":\"37290857-0aff-416e-9693-77acd04e28c5\",\"seq\":0,\"ts\":\"2026-04-15T16:17:22Z\",\"type\":\"text.delta\",\"part\":\"p\",\"data\":{\"delta\":\"x\"}}",
        "{\"v\":1,\"runId\":\"5b7f3c1e-2a4d-4e8f-9b1a-0c6d7e8f9a01\",\"sessionId\":\"37290857-0aff-416e-9693-77acd04e28c5\",\"seq\":3,\"ts\":\"2026-04-15T16:17:22Z\",\"type\":\"run.finished\",\"data\":{\"status\":\"exploded\"}}",
        "{\"v\":1,\"runId\":\"not-a-uuid\",\"sessionId\":\"37290857-0aff-416e-9693-77acd04e28c5\",\"seq\":3,\"ts\":\"2026-04-15T16:17:22Z\",\"type\":\"text.end\",\"part\":\"p\",\"data\":{}}",
        "{\"v\":1,\"runId\":\"5b7f3c1e-2a4d-4e8f-9b1a-0c6d7e8f9a01\",\"sessionId\":\"37290857-0aff-416e-9693-77acd04e28c5\",\"seq\":3,\"ts\":\"yesterday\",\"type\":\"text.end\",\"part\":\"p\",\"data\":{}}",
        "[1,2,3]",
        "{\"v\":1}"
      })
  void shouldRejectInvalidChunksInTheCodec(String json) {
    assertThatThrownBy(() -> EventJson.readChunk(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRejectAChunkWithoutRequiredDataInTheSchema() throws Exception {
    String json =
        "{\"v\":1,\"runId\":\"5b7f3c1e-2a4d-4e8f-9b1a-0c6d7e8f9a01\",\"sessionId\":\"37290857-0aff-416e-9693-77acd04e28c5\",\"seq\":3,\"ts\":\"2026-04-15T16:17:22Z\",\"type\":\"usage\",\"data\":{\"model\":\"m\"}}";
    assertThat(validate("run-chunk.v1.json", json)).isNotEmpty();
  }

  @Test
  void shouldKeepAnUnknownChunkTypeFromANewerProducer() {
    String json =
        "{\"v\":1,\"runId\":\"5b7f3c1e-2a4d-4e8f-9b1a-0c6d7e8f9a01\",\"sessionId\":\"37290857-0aff-416e-9693-77acd04e28c5\",\"seq\":3,\"ts\":\"2026-04-15T16:17:22Z\",\"type\":\"hologram\",\"data\":{\"x\":1},\"extra\":true}";
    RunChunk chunk = EventJson.readChunk(json.getBytes(StandardCharsets.UTF_8));
    assertThat(chunk.data()).isInstanceOf(ChunkData.Unrecognized.class);
    assertThat(chunk.type()).isEqualTo("hologram");
    assertThat(new String(EventJson.writeChunk(chunk), StandardCharsets.UTF_8))
        .contains("\"data\":{\"x\":1}");
  }

  @Test
  void shouldWriteUsageRollupsThatValidateAgainstTheirSchema() throws Exception {
    UsageRollup rollup =
        new UsageRollup(
            1,
            "minute",
            java.time.Instant.parse("2026-12-01T10:00:00Z"),
            java.time.Instant.parse("2026-12-01T10:01:00Z"),
            java.util.UUID.randomUUID(),
            null,
            "sim-1",
            3,
            1,
            0,
            120,
            480,
            new UsageRollup.Latency(2, 80L, 120L, java.util.Map.of("441", 1L, "z", 1L)),
            new UsageRollup.Latency(0, null, null, null));
    String json =
        new String(
            Topics.USAGE_ROLLUPS.value().serializer().serialize("t", rollup),
            StandardCharsets.UTF_8);
    assertThat(validate("usage-rollup.v1.json", json)).isEmpty();
    assertThat(json).doesNotContain("userId").doesNotContain("null");
    assertThat(
            Topics.USAGE_ROLLUPS
                .value()
                .deserializer()
                .deserialize("t", json.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(rollup);
    assertThat(validate("usage-rollup.v1.json", json.replace("\"minute\"", "\"day\"")))
        .isNotEmpty();
  }

  @Test
  void shouldWriteRunControlsThatValidateAgainstTheirSchema() throws Exception {
    java.util.UUID run = java.util.UUID.randomUUID();
    java.util.UUID session = java.util.UUID.randomUUID();
    String stop =
        new String(
            Topics.RUN_CONTROL
                .value()
                .serializer()
                .serialize("t", RunControl.stop(run, session, "user pressed stop")),
            StandardCharsets.UTF_8);
    assertThat(validate("run-control.v1.json", stop)).isEmpty();
    assertThat(stop).doesNotContain("null").doesNotContain("toolCallId");
    String toolResult =
        new String(
            Topics.RUN_CONTROL
                .value()
                .serializer()
                .serialize(
                    "t",
                    RunControl.toolResult(
                        run,
                        session,
                        "call-1",
                        tools.jackson.databind.json.JsonMapper.shared().readTree("{\"temp\":21}"))),
            StandardCharsets.UTF_8);
    assertThat(validate("run-control.v1.json", toolResult)).isEmpty();
    assertThat(
            Topics.RUN_CONTROL
                .value()
                .deserializer()
                .deserialize("t", toolResult.getBytes(StandardCharsets.UTF_8))
                .toolCallId())
        .isEqualTo("call-1");
    // a tool result without its call id, and a record without its run, are refused
    assertThat(validate("run-control.v1.json", toolResult.replace("\"toolCallId\"", "\"callId\"")))
        .isNotEmpty();
    assertThat(validate("run-control.v1.json", stop.replace("\"runId\"", "\"run\""))).isNotEmpty();
  }
}
