package io.runstream.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The token is read from a Bearer header exactly when Spring Security's default pattern reads it.
 */
class BearerHeaderTest {
  /** DefaultBearerTokenResolver's pattern (Spring Security 7.1). */
  private static final Pattern DEFAULT =
      Pattern.compile("^Bearer (?<token>[a-zA-Z0-9-._~+/]+=*)$", Pattern.CASE_INSENSITIVE);

  @Test
  void shouldReadTheTokenExactlyWhenTheDefaultPatternDoes() {
    for (String header :
        List.of(
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc-_~+/",
            "bearer abc==",
            "BEARER abc",
            "Bearer abc=",
            "Bearer ====",
            "Bearer a=b",
            "Bearer  abc",
            "Bearer abc ",
            "Bearer ",
            "Bearer",
            "Basic abc",
            "Bearerabc",
            "Bearer ab\u00e9",
            "Bearer a,b",
            "Bearer a\tb")) {
      Matcher matcher = DEFAULT.matcher(header);
      String expected = matcher.matches() ? matcher.group("token") : null;
      assertThat(SecurityConfiguration.bearer(header)).as(header).isEqualTo(expected);
    }
    assertThat(SecurityConfiguration.bearer(null)).isNull();
  }
}
