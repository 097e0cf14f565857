package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.fanout.canonical.CanonicalRenderer;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The compact catch-up's merge: consecutive deltas of one part, never across another chunk or a
 * part boundary.
 */
class CatchUpTest {
  private static final UUID RUN = UUID.randomUUID();
  private static final UUID SESSION = UUID.randomUUID();
  private long seq;

  private HotChunk chunk(String part, ChunkData data) {
    return HotChunk.of(RunChunk.of(RUN, SESSION, ++seq, Instant.EPOCH, part, data));
  }

  private static List<HotChunk> compact(List<HotChunk> chunks) {
    CatchUp catchUp = new CatchUp();
    List<HotChunk> out = new ArrayList<>();
    for (HotChunk chunk : chunks) {
      HotChunk done = catchUp.completedBy(chunk);
      if (done != null) {
        out.add(done);
      }
      if (!catchUp.take(chunk)) {
        out.add(chunk);
      }
    }
    HotChunk rest = catchUp.drain();
    if (rest != null) {
      out.add(rest);
    }
    return out;
  }

  @Test
  void shouldMergeConsecutiveDeltasOfOnePartIntoOneCarryingTheLastSeq() {
    List<HotChunk> run =
        List.of(
            chunk("p1", new ChunkData.TextStart()),
            chunk("p1", new ChunkData.TextDelta("Hel")),
            chunk("p1", new ChunkData.TextDelta("lo ")),
            chunk("p1", new ChunkData.TextDelta("world")),
            chunk("p1", new ChunkData.TextEnd()));

    List<HotChunk> out = compact(run);

    assertThat(out).extracting(HotChunk::seq).containsExactly(1L, 4L, 5L);
    assertThat(out.get(1).chunk().data()).isEqualTo(new ChunkData.TextDelta("Hello world"));
    assertThat(out.get(1).chunk().part()).isEqualTo("p1");
  }

  @Test
  void shouldNeverMergeAcrossAnotherChunkAPartBoundaryOrTextAndReasoning() {
    List<HotChunk> run =
        List.of(
            chunk("r1", new ChunkData.ReasoningDelta("think ")),
            chunk("r1", new ChunkData.ReasoningDelta("hard")),
            chunk("p1", new ChunkData.TextDelta("a")),
            chunk("p1", new ChunkData.TextDelta("b")),
            chunk(null, new ChunkData.ToolCall("c1", "tool", null, "server")),
            chunk("p1", new ChunkData.TextDelta("c")),
            chunk("p2", new ChunkData.TextDelta("d")),
            chunk("p2", new ChunkData.TextDelta("e")));

    List<HotChunk> out = compact(run);

    assertThat(out).extracting(HotChunk::seq).containsExactly(2L, 4L, 5L, 6L, 8L);
    assertThat(out)
        .extracting(hot -> hot.chunk().data())
        .containsExactly(
            new ChunkData.ReasoningDelta("think hard"),
            new ChunkData.TextDelta("ab"),
            run.get(4).chunk().data(),
            new ChunkData.TextDelta("c"),
            new ChunkData.TextDelta("de"));
    assertThat(out.get(3))
        .as("a delta alone is the chunk itself, its cache shared")
        .isSameAs(run.get(5));
  }

  @Test
  void shouldStartANewMergeOnceOneCarriesTheMostText() {
    String big = "x".repeat(CatchUp.MAX_CHARS / 2);
    List<HotChunk> run =
        List.of(
            chunk("p1", new ChunkData.TextDelta(big)),
            chunk("p1", new ChunkData.TextDelta(big)),
            chunk("p1", new ChunkData.TextDelta("y")));

    List<HotChunk> out = compact(run);

    assertThat(out).extracting(HotChunk::seq).containsExactly(2L, 3L);
    assertThat(((ChunkData.TextDelta) out.get(0).chunk().data()).delta())
        .hasSize(CatchUp.MAX_CHARS);
  }

  @Test
  void shouldKeepAMergedRenderingOutOfTheRenderCache() {
    CanonicalRenderer renderer = new CanonicalRenderer();
    HotChunk first = chunk("p1", new ChunkData.TextDelta("a"));
    HotChunk second = chunk("p1", new ChunkData.TextDelta("b"));
    HotChunk merged = compact(List.of(first, second)).getFirst();
    int[] renders = {0};

    String once =
        new String(
            merged.rendered(
                0,
                c -> {
                  renders[0]++;
                  return renderer.render(c);
                }),
            StandardCharsets.UTF_8);
    merged.rendered(
        0,
        c -> {
          renders[0]++;
          return renderer.render(c);
        });

    assertThat(renders[0]).as("rendered each time, never cached").isEqualTo(2);
    assertThat(once).startsWith("id: 2\n").contains("\"delta\":\"ab\"");
    assertThat(new String(second.rendered(0, renderer::render), StandardCharsets.UTF_8))
        .contains("\"delta\":\"b\"");
  }
}
