package io.runstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TopicsTest {
  private static final UUID RUN = UUID.fromString("0b6a4a52-93b8-4f35-8f2f-6a1c1f7b2e10");

  @Test
  void shouldNameARunsOwnTopicAndReadTheRunBackFromIt() {
    assertThat(Topics.runTopic(RUN))
        .isEqualTo("runstream.run.0b6a4a52-93b8-4f35-8f2f-6a1c1f7b2e10");
    assertThat(Topics.runOfTopic(Topics.runTopic(RUN))).contains(RUN);
    assertThat(Topics.isChunkTopic(Topics.runTopic(RUN))).isTrue();
    assertThat(Topics.isChunkTopic("runstream.run-chunks")).isTrue();
  }

  @Test
  void shouldNotMistakeOtherTopicsForRunTopics() {
    for (String other :
        new String[] {
          "runstream.run-requests",
          "runstream.run-control",
          "runstream.run-chunks-dlt",
          "runstream.run.",
          "runstream.run.not-a-uuid",
          "runstream.run." + RUN + "x",
          "xrunstream.run." + RUN,
          "__consumer_offsets"
        }) {
      assertThat(Topics.runOfTopic(other)).as(other).isEmpty();
      assertThat(Topics.isChunkTopic(other)).as(other).isFalse();
    }
  }

  @Test
  void shouldAcceptOnlyTheSharedTopicOrTheRunsOwnTopicInARunRequest() {
    assertThat(request(null).chunkTopicOrShared()).isEqualTo("runstream.run-chunks");
    assertThat(request(Topics.runTopic(RUN)).chunkTopicOrShared()).isEqualTo(Topics.runTopic(RUN));
    assertThatThrownBy(() -> request(Topics.runTopic(UUID.randomUUID())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> request("runstream.run-control"))
        .isInstanceOf(IllegalArgumentException.class);
    // It travels in the JSON and back.
    RunRequested sent = request(Topics.runTopic(RUN));
    byte[] json = EventJson.write(sent);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .contains("\"chunkTopic\":\"runstream.run." + RUN + "\"");
    assertThat(EventJson.read(json, RunRequested.class)).isEqualTo(sent);
  }

  private static RunRequested request(String topic) {
    return new RunRequested(
        1,
        RUN,
        UUID.randomUUID(),
        UUID.randomUUID(),
        null,
        null,
        UUID.randomUUID(),
        "hi",
        null,
        null,
        1,
        null,
        null,
        Instant.parse("2026-11-22T08:00:00Z"),
        topic);
  }
}
