package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.startup.StartupFailures;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.ingest.IngestApplication;
import io.runstream.worker.WorkerApplication;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The small things that make the platform safe to deploy as shipped (issue #23, item 6), as a user
 * or operator sees them: image URLs of the deployment's own networks refused at admission, the
 * sign-in cookie Secure behind a TLS proxy, out-of-range instants of the usage API answered 400, a
 * file name that cannot forge a log line.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmallSafetyIT extends PlatformIT {

  @Test
  void shouldRefuseImageUrlsOfTheDeploymentsOwnNetworksNamingTheField() {
    TestApi api = api();
    String token = TestApi.freshToken();
    for (Map.Entry<String, String> bad :
        Map.of(
                "[\"http://169.254.169.254/latest/meta-data/iam/security-credentials/\"]",
                    "images[0]",
                "[\"https://img.example.com/ok.png\",{\"url\":\"http://localhost:8080/actuator/env\"}]",
                    "images[1].url",
                "[{\"url\":\"http://0x7f000002/\"}]", "images[0].url",
                "[\"http://[fd00:ec2::254]/latest/\"]", "images[0]",
                "[\"http://10.0.0.8/cam.jpg\"]", "images[0]",
                "[\"http://metadata.google.internal/computeMetadata/v1/\"]", "images[0]")
            .entrySet()) {
      TestApi.Answer answer =
          api.post("/api/v1/runs", token, "{\"input\":\"look\",\"images\":" + bad.getKey() + "}");
      assertThat(answer.status()).as(bad.getKey() + " -> " + answer.body()).isEqualTo(400);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
      assertThat(answer.json().path("errors").get(0).path("field").asString())
          .as(bad.getKey())
          .isEqualTo(bad.getValue());
      assertThat(answer.json().path("errors").get(0).path("reason").asString())
          .endsWith("only public URLs are accepted");
    }

    // The agent-stream face answers in its own dialect.
    String org = "org-" + UUID.randomUUID();
    TestApi.Answer agent =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/ai/agent/stream"))
                .header("orgid", org)
                .header(
                    "Authorization", "Bearer " + TestApi.token(org, "user-" + UUID.randomUUID()))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"task\":\"look\",\"images\":[{\"url\":\"http://192.168.1.1/\"}]}"))
                .build());
    assertThat(agent.status()).isEqualTo(400);
    assertThat(agent.json().path("statusCode").asInt()).isEqualTo(400);
    assertThat(agent.json().path("message").asString())
        .contains("images[0].url")
        .contains("a private address");

    // Public and inline images are taken.
    assertThat(
            api.post(
                    "/api/v1/runs",
                    token,
                    "{\"input\":\"look\",\"images\":[\"https://img.example.com/cat.png\","
                        + "\"data:image/png;base64,iVBORw0K\"],\"simulation\":{\"output_tokens\":3,\"tokens_per_second\":0}}")
                .status())
        .isEqualTo(202);
  }

  @Test
  void shouldMakeTheSignInCookieSecureWhenTheProxyInFrontSaysTheClientUsedHttps() {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer proxied =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/auth/cookie"))
                .header("Authorization", "Bearer " + token)
                .header("X-Forwarded-Proto", "https")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(proxied.status()).isEqualTo(200);
    assertThat(proxied.header("Set-Cookie"))
        .startsWith("runstream_token=" + token + ";")
        .contains("Secure", "HttpOnly");
    TestApi.Answer signOut =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/auth/cookie"))
                .header("X-Forwarded-Proto", "https")
                .DELETE()
                .build());
    assertThat(signOut.header("Set-Cookie")).contains("Max-Age=0", "Secure");

    TestApi.Answer plain =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/auth/cookie"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(plain.header("Set-Cookie")).doesNotContain("Secure");
  }

  @Test
  void shouldAnswer400NamingTheParameterForInstantsTheUsageApiCannotCover() {
    TestApi api = api();
    String admin = TestApi.adminToken("org-" + UUID.randomUUID(), "admin");
    for (Map.Entry<String, String> bad :
        Map.of(
                "granularity=hour&to=%2B1000000000-12-31T23:59:59Z", "to",
                "granularity=minute&to=%2B10000-01-01T00:00:00Z", "to",
                "from=-1000000000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from",
                "from=%2B1000000000-12-31T23:59:59.999999999Z", "from")
            .entrySet()) {
      TestApi.Answer answer = api.get("/api/v1/usage?" + bad.getKey(), admin);
      assertThat(answer.status()).as(bad.getKey() + " -> " + answer.body()).isEqualTo(400);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
      assertThat(answer.json().path("errors").get(0).path("field").asString())
          .as(bad.getKey())
          .isEqualTo(bad.getValue());
    }
    TestApi.Answer last = api.get("/api/v1/usage?granularity=hour&to=9999-12-31T23:59:59Z", admin);
    assertThat(last.status()).as(last.body()).isEqualTo(200);
    assertThat(last.json().path("totals").path("runs").asLong()).isZero();
  }

  @Test
  void shouldKeepAFileNameWithALineBreakOnItsOwnLogLine(CapturedOutput output) {
    String token = TestApi.freshToken();
    String name =
        "q3.pdf\n00:00:00.000 ERROR [main] io.runstream.core.identity.SecurityConfiguration : FAKE ERROR "
            + UUID.randomUUID();
    TestApi.Answer run =
        api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":\"read it\",\"files\":[{\"name\":"
                    + TestApi.JSON.writeValueAsString(name)
                    + ",\"path\":\"uploads/missing-"
                    + UUID.randomUUID()
                    + ".pdf\"}],"
                    + "\"simulation\":{\"output_tokens\":3,\"tokens_per_second\":0}}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    String escaped = name.replace("\n", "\\n");
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> output.getOut().contains(escaped));
    List<String> lines =
        output
            .getOut()
            .lines()
            .filter(line -> line.contains(name.substring(name.indexOf("FAKE"))))
            .toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.getFirst())
        .contains("file not read: " + escaped + ": no such file in the uploads directory");
  }

  @Test
  void
      shouldRefuseToStartAWorkerWithAPrivateWebhookOrAnIngestNodeWithAnOriginForEverySiteInOneLine() {
    Map<String, Object> worker = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    worker.put("server.port", 0);
    worker.put("runstream.actions.flows.billing.url", "http://10.0.0.9:8080/hooks/billing");
    Assertions.assertThatThrownBy(
            () -> new SpringApplicationBuilder(WorkerApplication.class).properties(worker).run())
        .satisfies(
            e ->
                assertThat(StartupFailures.explain(e))
                    .hasValue(
                        "runstream.actions.flows.billing.url points at a private address (10.0.0.9); allow it with "
                            + "runstream.security.urls.allowed-hosts=10.0.0.9 (or runstream.security.urls.allow-private=true)."));

    Map<String, Object> ingest = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    ingest.put("server.port", 0);
    ingest.put("runstream.security.cors.allowed-origins", "*");
    Assertions.assertThatThrownBy(
            () -> new SpringApplicationBuilder(IngestApplication.class).properties(ingest).run())
        .satisfies(
            e ->
                assertThat(StartupFailures.explain(e))
                    .hasValueSatisfying(
                        line ->
                            assertThat(line)
                                .startsWith(
                                    "runstream.security.cors.allowed-origins: '*' allows every site")
                                .doesNotContain("\n")));
  }
}
