package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseFramesTest {
  private static String event(Long id, String name, String data) {
    return new String(SseFrames.event(id, name, data), StandardCharsets.UTF_8);
  }

  @Test
  void shouldFrameAnEventWithItsIdNameAndData() {
    assertThat(event(7L, "data", "{\"a\":1}")).isEqualTo("id: 7\nevent: data\ndata: {\"a\":1}\n\n");
    assertThat(event(7L, null, "x")).isEqualTo("id: 7\ndata: x\n\n");
    assertThat(event(null, null, "[DONE]")).isEqualTo("data: [DONE]\n\n");
    assertThat(event(null, "end", "{}")).isEqualTo("event: end\ndata: {}\n\n");
  }

  @Test
  void shouldKeepDataWithLineBreaksOneEventWithADataLinePerLine() {
    assertThat(event(1L, null, "a\nb\r\nc\rd"))
        .isEqualTo("id: 1\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    assertThat(event(1L, null, "a\n\nid: 9")).isEqualTo("id: 1\ndata: a\ndata: \ndata: id: 9\n\n");
    assertThat(event(1L, null, "end\n")).isEqualTo("id: 1\ndata: end\ndata: \n\n");
  }

  @Test
  void shouldOpenWithOkAndTheRetryDelay() {
    assertThat(new String(SseFrames.opening(1000), StandardCharsets.UTF_8))
        .isEqualTo(": ok\n\nretry: 1000\n\n");
  }
}
