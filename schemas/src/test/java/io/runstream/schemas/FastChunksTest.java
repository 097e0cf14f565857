package io.runstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The fast path for deltas writes and reads exactly what the general (tree) path does: the general
 * path is the oracle, on random deltas and on every odd shape a producer we did not write might
 * send.
 */
class FastChunksTest {
  private static final Random RANDOM = new Random(12);

  @Test
  void shouldWriteTheSameBytesAndReadTheSameChunksAsTheTreeForRandomDeltas() {
    for (int i = 0; i < 5_000; i++) {
      String text = randomText();
      ChunkData data =
          i % 3 == 0 ? new ChunkData.ReasoningDelta(text) : new ChunkData.TextDelta(text);
      RunChunk chunk =
          new RunChunk(
              1,
              UUID.randomUUID(),
              UUID.randomUUID(),
              RANDOM.nextLong(1, Long.MAX_VALUE),
              randomInstant(),
              i % 2 == 0 ? null : "part-" + i,
              data);
      byte[] fast = EventJson.writeChunk(chunk);
      byte[] tree = EventJson.MAPPER.writeValueAsBytes(EventJson.chunkTree(chunk));
      assertThat(new String(fast, StandardCharsets.UTF_8))
          .isEqualTo(new String(tree, StandardCharsets.UTF_8));
      assertThat(FastChunks.read(fast)).as("read fast").isEqualTo(chunk);
      assertThat(EventJson.readChunkTree(fast)).isEqualTo(chunk);
    }
  }

  @Test
  void shouldParseInstantsAsInstantParseDoesOrLeaveThemToIt() {
    for (int i = 0; i < 20_000; i++) {
      Instant instant = randomInstant();
      assertThat(FastChunks.instant(instant.toString())).isEqualTo(instant);
    }
    for (String odd :
        List.of(
            "2026-12-01T18:36:00z",
            "2026-12-01T18:36:60Z",
            "2026-02-30T00:00:00Z",
            "2026-12-01T18:36:00.Z",
            "2026-12-01T18:36:00.1234567890Z",
            "+12026-12-01T18:36:00Z",
            "2026-12-01 18:36:00Z",
            "2026-12-01T18:36:00+01:00",
            "2026-13-01T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "２０２６-12-01T18:36:00Z")) {
      assertThat(FastChunks.instant(odd)).as(odd).isNull();
    }
  }

  @Test
  void shouldDecodeOddShapesExactlyAsTheTreeDoes() {
    String run = UUID.randomUUID().toString();
    String session = UUID.randomUUID().toString();
    String head = "\"v\":1,\"runId\":\"" + run + "\",\"sessionId\":\"" + session + "\",\"seq\":7,";
    List<String> shapes =
        List.of(
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00.5Z\",\"type\":\"text.delta\",\"data\":{\"delta\":\"a\"}}",
            // data before type, unknown fields, a part, whitespace, an old-style timestamp
            // Instant.parse takes
            "{\"data\":{\"delta\":\"b\"}, "
                + head
                + "\"extra\":{\"x\":[1,2]},\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"part\":\"p\"}",
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00.123+00:00\",\"type\":\"reasoning.delta\",\"data\":{\"delta\":\"c\"}}",
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"data\":{\"delta\":\"d\",\"more\":1}}",
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"part\":null,\"data\":{\"delta\":\"e\"}}",
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"part\":3,\"data\":{\"delta\":\"f\"}}",
            "{\"v\":\"1\",\"runId\":\""
                + run
                + "\",\"sessionId\":\""
                + session
                + "\",\"seq\":\"9\",\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"data\":{\"delta\":\"g\"}}",
            "{" + head + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.start\",\"data\":{}}",
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"future.kind\",\"data\":{\"delta\":\"h\"}}");
    for (String shape : shapes) {
      byte[] bytes = shape.getBytes(StandardCharsets.UTF_8);
      assertThat(EventJson.readChunk(bytes)).as(shape).isEqualTo(EventJson.readChunkTree(bytes));
    }
    List<String> invalid =
        List.of(
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"data\":{\"delta\":null}}",
            "{" + head + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"data\":{}}",
            "{" + head + "\"ts\":\"yesterday\",\"type\":\"text.delta\",\"data\":{\"delta\":\"i\"}}",
            "{\"v\":1,\"runId\":\"nope\",\"sessionId\":\""
                + session
                + "\",\"seq\":1,\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"data\":{\"delta\":\"j\"}}",
            "{" + head + "\"ts\":\"2026-12-01T18:36:00Z\",\"data\":{\"delta\":\"k\"}}",
            "[1,2]",
            "{"
                + head
                + "\"ts\":\"2026-12-01T18:36:00Z\",\"type\":\"text.delta\",\"data\":{\"delta\":\"l\"}");
    for (String shape : invalid) {
      byte[] bytes = shape.getBytes(StandardCharsets.UTF_8);
      assertThat(FastChunks.read(bytes)).as(shape).isNull();
      assertThatThrownBy(() -> EventJson.readChunk(bytes))
          .as(shape)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static Instant randomInstant() {
    long seconds = RANDOM.nextLong(0, 253_402_300_799L);
    int nanos =
        switch (RANDOM.nextInt(4)) {
          case 0 -> 0;
          case 1 -> RANDOM.nextInt(1_000) * 1_000_000;
          case 2 -> RANDOM.nextInt(1_000_000) * 1_000;
          default -> RANDOM.nextInt(1_000_000_000);
        };
    return Instant.ofEpochSecond(seconds, nanos);
  }

  private static String randomText() {
    StringBuilder text = new StringBuilder();
    int length = RANDOM.nextInt(0, 40);
    for (int i = 0; i < length; i++) {
      int kind = RANDOM.nextInt(10);
      if (kind < 6) {
        text.append((char) RANDOM.nextInt(0x20, 0x7f));
      } else if (kind < 7) {
        text.append((char) RANDOM.nextInt(0, 0x20));
      } else if (kind < 8) {
        text.append("\"\\/\u2028\u2029");
      } else if (kind < 9) {
        text.appendCodePoint(RANDOM.nextInt(0x1F300, 0x1F64F));
      } else {
        text.append((char) RANDOM.nextInt(0x80, 0xD7FF));
      }
    }
    return text.toString();
  }
}
