package io.runstream.fanout.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Only a canonical stream path with a well-formed UUID is served the direct way. */
class DirectStreamsTest {
  private static final String ID = "0bf3e394-9878-4832-8281-2b51df74e045";

  @Test
  void shouldTakeTheIdOfACanonicalStreamPathAndNothingElse() {
    assertThat(DirectStreams.id("/api/v1/runs/" + ID + "/stream")).isEqualTo(ID);
    assertThat(DirectStreams.id("/api/v1/sessions/" + ID.toUpperCase() + "/stream"))
        .isEqualTo(ID.toUpperCase());
    for (String other :
        new String[] {
          "/api/v1/runs/" + ID + "/stream/",
          "/api/v1/runs/" + ID + "/streams",
          "/api/v1/runs/" + ID,
          "/api/v1/runs//" + ID + "/stream",
          "/api/v1/runs/" + ID.replace('-', '_') + "/stream",
          "/api/v1/runs/" + ID.substring(1) + "x/stream",
          "/api/v1/runs/%30" + ID.substring(1) + "/stream",
          "/api/v1/runs/../runs/" + ID + "/stream",
          "/api/v1/runs/" + ID + "/stream;x",
          "/api/v2/runs/" + ID + "/stream",
          "/ai/stream/" + ID
        }) {
      assertThat(DirectStreams.id(other)).as(other).isNull();
    }
  }
}
