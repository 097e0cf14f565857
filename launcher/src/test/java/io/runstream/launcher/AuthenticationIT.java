package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Tokens from an issuer's JWKS next to HS256 ones; the cookie for browsers' EventSource on stream
 * GETs only.
 */
class AuthenticationIT extends PlatformIT {

  @Test
  void shouldAcceptTokensSignedByTheConfiguredIssuerAndRefuseOthers() throws Exception {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String good = TestIssuer.get().token(org, "federated", TestIssuer.get().issuer(), false);
    assertThat(api.get("/api/v1/sessions", good).status()).isEqualTo(200);
    assertThat(api.post("/api/v1/sessions", good, TestApi.sessionBody("via jwks", 5, 0)).status())
        .isEqualTo(201);
    assertThat(api.get("/api/v1/sessions", good).json().path("count").asInt()).isEqualTo(1);
    assertThat(
            api.get(
                    "/api/v1/sessions",
                    TestIssuer.get().token(org, "federated", "https://elsewhere", false))
                .status())
        .isEqualTo(401);
    assertThat(
            api.get(
                    "/api/v1/sessions",
                    TestIssuer.get().token(org, "federated", TestIssuer.get().issuer(), true))
                .status())
        .isEqualTo(401);
  }

  @Test
  void shouldAcceptTheTokenInTheCookieOnStreamGetsOnly() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String sessionId =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("cookie", 10, 0))
            .json()
            .path("uuid")
            .asString();
    try (TestApi.Stream stream =
        api.stream(
            "/api/v1/sessions/" + sessionId + "/stream",
            null,
            Map.of("Cookie", "runstream_token=" + token))) {
      assertThat(stream.status).isEqualTo(200);
      assertThat(stream.untilDone(Duration.ofSeconds(30)).getLast().done()).isTrue();
    }
    try (TestApi.Stream stream =
        api.stream(
            "/api/v1/sessions/" + sessionId + "/stream",
            null,
            Map.of("Cookie", "runstream_token=garbage"))) {
      assertThat(stream.status).isEqualTo(401);
    }
    try (TestApi.Stream stream =
        api.stream(
            "/api/v1/sessions/" + sessionId + "/stream",
            null,
            Map.of("Cookie", "runstream_token=" + TestApi.freshToken()))) {
      assertThat(stream.status).isEqualTo(404);
    }
    for (String bad : BadInputIT.badTokens()) {
      try (TestApi.Stream stream =
          api.stream(
              "/api/v1/sessions/" + sessionId + "/stream",
              null,
              Map.of("Cookie", "runstream_token=" + bad))) {
        assertThat(stream.status).as(bad).isEqualTo(401);
      }
    }
    TestApi.Answer notAStream =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/sessions/" + sessionId))
                .header("Cookie", "runstream_token=" + token)
                .GET()
                .build());
    assertThat(notAStream.status()).isEqualTo(401);
  }
}
