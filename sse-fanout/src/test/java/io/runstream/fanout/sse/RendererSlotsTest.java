package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.face.CanonicalFace;
import io.runstream.core.face.FaceRegistry;
import io.runstream.core.face.GenieFace;
import io.runstream.core.face.ProjectChatFace;
import io.runstream.core.face.ProjectChatProperties;
import io.runstream.core.store.RunRow;
import io.runstream.fanout.agentstream.AgentStreamRenderer;
import io.runstream.fanout.canonical.CanonicalRenderer;
import io.runstream.fanout.genie.GenieRenderer;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.fanout.projectchat.ProjectChatRenderer;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Renderer slots come from the registered renderers, not from numbers written in each renderer. */
class RendererSlotsTest {
  private static final FaceRegistry FACES =
      new FaceRegistry(
          List.of(
              new CanonicalFace(),
              new AgentStreamFace(),
              new GenieFace(),
              new ProjectChatFace(new ProjectChatProperties("", "default", "svc", 20000, 100))));

  @Test
  void shouldGiveEachStatelessRendererASlotOfItsOwnAndStatefulOnesNone() {
    CanonicalRenderer canonical = new CanonicalRenderer();
    AgentStreamRenderer agent = new AgentStreamRenderer();
    GenieRenderer genie = new GenieRenderer();
    ProjectChatRenderer chat = new ProjectChatRenderer();
    RendererSlots slots = new RendererSlots(List.of(chat, genie, agent, canonical), FACES);
    assertThat(List.of(slots.slot(canonical), slots.slot(agent), slots.slot(genie)))
        .containsExactly(0, 1, 2);
    assertThat(slots.slot(chat)).isEqualTo(-1);
    assertThat(slots.slot(new CanonicalRenderer())).as("not a registered bean").isEqualTo(-1);
    assertThat(slots.count()).isEqualTo(3);
    assertThat(HotChunk.slots()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void shouldRefuseARendererOfAnUnregisteredFace() {
    FaceRenderer stray =
        new FaceRenderer() {
          @Override
          public String face() {
            return "nobody";
          }

          @Override
          public void headers(RunRow run, BiConsumer<String, String> header) {}

          @Override
          public byte[] render(RunChunk chunk) {
            return SseFrames.NONE;
          }

          @Override
          public byte[] end(RunChunk terminal) {
            return SseFrames.NONE;
          }
        };
    assertThatThrownBy(() -> new RendererSlots(List.of(stray), FACES))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nobody");
  }

  @Test
  void shouldRenderASlotBeyondAChunksRoomEachTimeInsteadOfFailing() {
    UUID run = UUID.randomUUID();
    HotChunk chunk =
        HotChunk.of(RunChunk.of(run, run, 1, Instant.EPOCH, "p", new ChunkData.TextDelta("a")));
    int[] renders = {0};
    for (int i = 0; i < 2; i++) {
      chunk.rendered(
          1_000,
          c -> {
            renders[0]++;
            return new byte[0];
          });
    }
    assertThat(renders[0]).isEqualTo(2);
  }
}
