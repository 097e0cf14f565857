package io.runstream.sink.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The roll-ups read a chunk's type without a parser where they can, and always the same type as the
 * parser.
 */
class FastTypeTest {

  private static RunChunk chunk(ChunkData data, String part) {
    return RunChunk.of(
        UUID.randomUUID(),
        UUID.randomUUID(),
        42,
        Instant.parse("2026-12-06T01:02:03.456789Z"),
        part,
        data);
  }

  @Test
  void shouldReadTheSameTypeAsTheParserForEveryWriterAndShape() {
    List<RunChunk> chunks =
        List.of(
            chunk(new ChunkData.TextDelta("tok1@1234.5 \"type\":\"run.finished\" "), "p-1"),
            chunk(new ChunkData.ReasoningDelta("why \\\"type\\\":\\\"usage\\\""), null),
            chunk(
                new ChunkData.ToolCall(
                    "c1",
                    "search",
                    EventJson.MAPPER.readTree("{\"type\":\"run.finished\",\"q\":1}"),
                    "server"),
                "p"),
            chunk(new ChunkData.Usage("m", 10, 20), null),
            chunk(new ChunkData.RunFinished("completed", "stop"), null),
            chunk(new ChunkData.StepStarted(2), null));
    for (RunChunk c : chunks) {
      byte[] bytes = EventJson.writeChunk(c);
      assertThat(RunTallyProcessor.fastTypeOf(bytes))
          .as(new String(bytes, StandardCharsets.UTF_8))
          .isEqualTo(RunTallyProcessor.typeOf(bytes))
          .isEqualTo(c.type());
    }
    // Other layouts fall back to the parser: "data" first (with a type inside it), an escaped type,
    // not JSON.
    String dataFirst =
        "{\"data\":{\"type\":\"run.finished\"},\"type\":\"text.delta\",\"runId\":\"x\"}";
    assertThat(RunTallyProcessor.fastTypeOf(dataFirst.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("text.delta");
    String escaped = "{\"type\":\"text\\u002edelta\",\"data\":{}}";
    assertThat(RunTallyProcessor.fastTypeOf(escaped.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("text.delta");
    assertThat(RunTallyProcessor.fastTypeOf("not json".getBytes(StandardCharsets.UTF_8))).isNull();
  }
}
