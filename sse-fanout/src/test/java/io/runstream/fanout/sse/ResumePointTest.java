package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.problem.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResumePointTest {
  @ParameterizedTest
  @CsvSource({"0,0", "7,7", "123456789012345678,123456789012345678"})
  void shouldAcceptNonNegativeIntegerIds(String text, long expected) {
    assertThat(ResumePoint.parse("Last-Event-ID", text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "1.5", "1e3", "9999999999999999999", "12a", "+5", " "})
  void shouldRejectAnythingElseWith400(String text) {
    assertThatThrownBy(() -> ResumePoint.parse("after", text))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().value()).isEqualTo(400));
  }
}
