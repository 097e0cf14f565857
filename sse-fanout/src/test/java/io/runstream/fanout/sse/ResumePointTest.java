package io.runstream.fanout.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.problem.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.mock.web.MockHttpServletRequest;

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
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.status().value()).isEqualTo(400));
  }

  @ParameterizedTest
  @CsvSource({"true,true", "TRUE,true", "1,true", "'',true", "false,false", "0,false"})
  void shouldReadCompactFromTheQueryOfAGet(String value, boolean expected) {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/runs/x/stream");
    request.setParameter("compact", value);
    assertThat(ResumePoint.compact(request)).isEqualTo(expected);
  }

  @Test
  void shouldRejectAnyOtherCompactValueWith400() {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/runs/x/stream");
    request.setParameter("compact", "yes please");
    assertThatThrownBy(() -> ResumePoint.compact(request))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.status().value()).isEqualTo(400));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "compact",
        "Compact",
        "respond-async, compact",
        "wait=10, compact; strict",
        "return=minimal,compact"
      })
  void shouldReadThePreferenceCompact(String prefer) {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/chat/stream");
    request.addHeader("Prefer", prefer);
    assertThat(ResumePoint.compact(request)).isTrue();
  }

  @Test
  void shouldBeRawWithoutAskingAndIgnoreOtherPreferences() {
    MockHttpServletRequest post = new MockHttpServletRequest("POST", "/api/v1/chat/stream");
    post.addHeader("Prefer", "return=minimal, compactness");
    post.setParameter("compact", "true");
    assertThat(ResumePoint.compact(post)).as("a POST asks with Prefer only").isFalse();
    assertThat(ResumePoint.compact(new MockHttpServletRequest("GET", "/api/v1/runs/x/stream")))
        .isFalse();
  }
}
