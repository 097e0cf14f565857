package io.runstream.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.startup.StartupFailures;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class CorsPolicyTest {
  private static SecurityProperties.Cors cors(String... origins) {
    return new SecurityProperties.Cors(List.of(origins), Duration.ofHours(1));
  }

  @Test
  void anOriginThatAllowsEverySiteIsRefusedAtStartUpInOneLine() {
    for (String origin : List.of("*", " * ", "https://*", "http://*:*", "*://*", "https://*:443")) {
      assertThatThrownBy(() -> CorsPolicy.source(cors("https://app.example.com", origin)))
          .as(origin)
          .isInstanceOfSatisfying(
              StartupFailures.SettingRefused.class,
              e -> {
                assertThat(
                        StartupFailures.explain(
                            new IllegalStateException("Error creating bean", e)))
                    .hasValueSatisfying(
                        line ->
                            assertThat(line)
                                .startsWith(
                                    "runstream.security.cors.allowed-origins: '"
                                        + origin.strip()
                                        + "' allows every site")
                                .doesNotContain("\n"));
              });
    }
  }

  @Test
  void exactOriginsAndPatternsOfOneSiteAreAllowedWithCredentials() {
    var source =
        CorsPolicy.source(
            cors("https://app.example.com", "https://*.example.com", "http://localhost:*"));
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/sessions");
    var configuration = source.getCorsConfiguration(request);
    assertThat(configuration.getAllowCredentials()).isTrue();
    assertThat(configuration.checkOrigin("https://eu.example.com"))
        .isEqualTo("https://eu.example.com");
    assertThat(configuration.checkOrigin("https://evil.test")).isNull();
  }
}
