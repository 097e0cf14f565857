package io.runstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void shouldNameEveryTopicOnceUnderThePrefix() {
    assertThat(Topics.all()).extracting(Topic::name).doesNotHaveDuplicates().allMatch(n -> n.startsWith("runstream."));
  }

  @Test
  void shouldRejectANameThatIsNotKebabCase() {
    assertThatThrownBy(() -> new Topic<>("Runstream.Chunks", Topics.RUN_CHUNKS.key(), Topics.RUN_CHUNKS.value()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldCarryChunksThroughTheTopicSerdes() {
    RunChunk chunk = GoldenEvents.chunks().get(6);
    byte[] bytes = Topics.RUN_CHUNKS.value().serializer().serialize("t", chunk);
    assertThat(Topics.RUN_CHUNKS.value().deserializer().deserialize("t", bytes)).isEqualTo(chunk);
    UUID key = chunk.runId();
    assertThat(Topics.RUN_CHUNKS.key().deserializer().deserialize("t", Topics.RUN_CHUNKS.key().serializer().serialize("t", key)))
        .isEqualTo(key);
  }
}
