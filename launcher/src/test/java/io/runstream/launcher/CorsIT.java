package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue #16: browser apps on their own origin. The test context allows {@code http://localhost:*}
 * and {@code https://*.example.com}; a browser's preflight and its actual requests are replayed
 * here header for header (the browser itself: {@code BrowserCorsIT}).
 */
class CorsIT extends PlatformIT {
  private static final String APP = "https://app.example.com";

  private TestApi.Answer preflight(String path, String origin, String method, String headers) {
    return api()
        .send(
            HttpRequest.newBuilder(URI.create(api().base() + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", headers)
                .build());
  }

  private TestApi.Answer fromOrigin(
      String method, String path, String origin, String token, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api().base() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Origin", origin)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return api().send(request.build());
  }

  private static void assertCors(TestApi.Answer answer, String origin) {
    assertThat(answer.header("Access-Control-Allow-Origin")).as(answer.body()).isEqualTo(origin);
    assertThat(answer.header("Access-Control-Allow-Credentials")).isEqualTo("true");
  }

  @Test
  void shouldAnswerPreflightsOfAllowedOriginsForTheFacesMethodsAndHeaders() {
    for (String origin : List.of(APP, "http://localhost:3000", "https://admin.example.com")) {
      for (String path :
          List.of("/api/v1/sessions", "/ai/agent/stream", "/ai/stream/abc", "/api/v1/runs")) {
        TestApi.Answer answer =
            preflight(path, origin, "POST", "authorization,content-type,orgid,x-api-key");
        assertThat(answer.status()).as(origin + path).isEqualTo(200);
        assertCors(answer, origin);
        assertThat(answer.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(answer.header("Access-Control-Allow-Headers").toLowerCase())
            .contains("authorization", "content-type", "orgid", "x-api-key");
      }
    }
    TestApi.Answer stream =
        preflight("/api/v1/sessions/x/stream", APP, "GET", "last-event-id,cache-control");
    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.header("Access-Control-Allow-Headers").toLowerCase())
        .contains("last-event-id", "cache-control");
    // A POST-stream face's reconnection asking for a compact catch-up (Prefer: compact).
    TestApi.Answer compact =
        preflight(
            "/api/v1/chat/stream", APP, "POST", "authorization,content-type,last-event-id,prefer");
    assertThat(compact.status()).isEqualTo(200);
    assertThat(compact.header("Access-Control-Allow-Headers").toLowerCase())
        .contains("last-event-id", "prefer");
    // A POST-stream face reading a given run (X-Run-Id, docs/faces/README.md).
    TestApi.Answer named =
        preflight("/api/v1/ag-ui", APP, "POST", "authorization,content-type,x-run-id");
    assertThat(named.status()).isEqualTo(200);
    assertThat(named.header("Access-Control-Allow-Headers").toLowerCase()).contains("x-run-id");
    // The official openai SDK in a browser, on the Responses face: its own headers are that
    // face's, and it can read whether to retry a refusal.
    String sdk =
        "authorization,content-type,x-stainless-lang,x-stainless-os,x-stainless-retry-count,"
            + "x-stainless-timeout,x-stainless-package-version";
    TestApi.Answer openai = preflight("/v1/responses", APP, "POST", sdk);
    assertThat(openai.status()).isEqualTo(200);
    assertThat(openai.header("Access-Control-Allow-Headers").toLowerCase())
        .contains("x-stainless-lang", "x-stainless-retry-count", "x-stainless-timeout");
    assertThat(
            preflight("/api/v1/sessions", APP, "POST", sdk).header("Access-Control-Allow-Headers"))
        .doesNotContainIgnoringCase("x-stainless");
    TestApi.Answer refused =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/v1/responses/resp_nope"))
                    .header("Origin", APP)
                    .header("Authorization", "Bearer " + TestApi.freshToken())
                    .GET()
                    .build());
    assertThat(refused.status()).isEqualTo(404);
    assertThat(refused.header("Access-Control-Expose-Headers"))
        .containsIgnoringCase("x-should-retry");
  }

  @Test
  void shouldRefuseOriginsThatAreNotAllowedAndHeadersThatAreNot() {
    for (String origin :
        List.of(
            "https://evil.com", "http://127.0.0.1:3000", "https://example.com.evil.com", "null")) {
      TestApi.Answer answer =
          preflight("/api/v1/sessions", origin, "POST", "authorization,content-type");
      assertThat(answer.status()).as(origin).isEqualTo(403);
      assertThat(answer.header("Access-Control-Allow-Origin")).as(origin).isNull();
    }
    // A header that is not allowed is left out of the preflight's answer, so the browser refuses
    // the request
    // (BrowserCorsIT sees Chromium do so).
    TestApi.Answer header =
        preflight("/api/v1/sessions", APP, "POST", "authorization,x-not-allowed");
    assertThat(header.header("Access-Control-Allow-Headers"))
        .isNotNull()
        .doesNotContainIgnoringCase("x-not-allowed");
  }

  @Test
  void shouldCarryTheCorsHeadersOnErrorsOfEveryFaceSoThatTheAppCanReadThem() {
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    TestApi.Answer unauthorized =
        fromOrigin("POST", "/api/v1/sessions", APP, null, "{\"text\":\"hi\"}");
    assertThat(unauthorized.status()).isEqualTo(401);
    assertCors(unauthorized, APP);
    TestApi.Answer invalid = fromOrigin("POST", "/api/v1/sessions", APP, token, "{}");
    assertThat(invalid.status()).isEqualTo(400);
    assertCors(invalid, APP);
    TestApi.Answer notFound =
        fromOrigin("GET", "/api/v1/sessions/" + UUID.randomUUID(), APP, token, null);
    assertThat(notFound.status()).isEqualTo(404);
    assertCors(notFound, APP);
    TestApi.Answer agentBad =
        fromOrigin("POST", "/ai/agent/stream", APP, null, "{\"task\":\"hi\"}");
    assertThat(agentBad.status()).isEqualTo(401);
    assertCors(agentBad, APP);
    TestApi.Answer wrongOrg =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("Origin", APP)
                    .header("Authorization", "Bearer " + token)
                    .header("orgid", "someone-else")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"hi\"}"))
                    .build());
    assertThat(wrongOrg.status()).isEqualTo(403);
    assertCors(wrongOrg, APP);
    TestApi.Answer missing =
        fromOrigin("GET", "/ai/stream/" + UUID.randomUUID() + "?orgid=" + org, APP, token, null);
    assertThat(missing.status()).isEqualTo(404);
    assertCors(missing, APP);
    TestApi.Answer created =
        fromOrigin("POST", "/api/v1/sessions", APP, token, TestApi.sessionBody("cors", 5, 0));
    assertThat(created.status()).isEqualTo(201);
    assertCors(created, APP);
    assertThat(created.header("Access-Control-Expose-Headers"))
        .contains("X-Model-Backend", "Retry-After", "Location");
  }

  @Test
  void shouldSetAndClearAnHttpOnlySignInCookieForTheTokensLifetimeThatNeverSignsInAPost()
      throws Exception {
    String token = TestApi.freshToken();
    TestApi.Answer signIn = fromOrigin("POST", "/api/v1/auth/cookie", APP, token, null);
    assertThat(signIn.status()).as(signIn.body()).isEqualTo(200);
    assertCors(signIn, APP);
    String cookie = signIn.header("Set-Cookie");
    assertThat(cookie)
        .startsWith("runstream_token=" + token + ";")
        .contains("Path=/", "HttpOnly", "SameSite=Lax")
        .doesNotContain("Secure");
    long maxAge = Long.parseLong(cookie.replaceAll(".*Max-Age=(\\d+).*", "$1"));
    assertThat(maxAge).isBetween(3500L, 3600L); // the test token lives one hour
    assertThat(signIn.json().path("expires_at").asString()).isNotBlank();

    // The cookie opens a stream (an SSE GET) but never authenticates anything else.
    TestApi.Answer session =
        api().post("/api/v1/sessions", token, TestApi.sessionBody("cookie", 5, 0));
    String stream = "/api/v1/sessions/" + session.json().path("uuid").asString() + "/stream";
    try (TestApi.Stream read =
        api().stream(stream, null, Map.of("Cookie", "runstream_token=" + token))) {
      assertThat(read.status).isEqualTo(200);
    }
    for (String path : List.of("/api/v1/sessions", "/api/v1/auth/cookie")) {
      TestApi.Answer byCookie =
          api()
              .send(
                  HttpRequest.newBuilder(URI.create(api().base() + path))
                      .header("Cookie", "runstream_token=" + token)
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"forged\"}"))
                      .build());
      assertThat(byCookie.status()).as(path).isEqualTo(401);
    }
    assertThat(
            api()
                .send(
                    HttpRequest.newBuilder(URI.create(api().base() + "/api/v1/sessions"))
                        .header("Cookie", "runstream_token=" + token)
                        .GET()
                        .build())
                .status())
        .isEqualTo(401);

    TestApi.Answer signOut = fromOrigin("DELETE", "/api/v1/auth/cookie", APP, null, null);
    assertThat(signOut.status()).isEqualTo(204);
    assertThat(signOut.header("Set-Cookie"))
        .startsWith("runstream_token=;")
        .contains("Max-Age=0", "HttpOnly");
  }
}
