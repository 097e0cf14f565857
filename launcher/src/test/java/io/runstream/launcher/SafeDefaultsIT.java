package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.runstream.core.identity.DevTokens;
import io.runstream.core.startup.StartupFailures;
import io.runstream.infra.embedded.EmbeddedPlatform;
import io.runstream.ingest.IngestApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue #23: safe to deploy as shipped. Each test is one of the issue's probes, answered as a
 * deployment must: a service without a secret does not start, forged and endless tokens are
 * refused, the simulated model's knobs are refused where the operator did not enable them, only a
 * run's or session's owner (or an administrator) acts on it, and the operational endpoints are not
 * open on the public port.
 */
class SafeDefaultsIT extends PlatformIT {
  /** The dev secret earlier versions fell back to, printed in their source. */
  private static final String PUBLISHED_DEV_SECRET =
      "runstream-dev-secret-change-me-0123456789abcdef";

  /**
   * An ingest node as a deployment runs it: simulation off (one load-test identity allowed), a
   * management port.
   */
  private static ConfigurableApplicationContext ingest;

  private static int managementPort;

  @BeforeAll
  static void startIngestNode() throws Exception {
    managementPort = freePort();
    ingest =
        ingestNode(
            "--runstream.simulation.enabled=false",
            "--runstream.simulation.subjects=svc-loadtest",
            "--management.server.port=" + managementPort,
            "--management.server.address=127.0.0.1");
  }

  @AfterAll
  static void stopIngestNode() {
    if (ingest != null) {
      ingest.close();
    }
  }

  /**
   * An ingest service alone on the shared broker and PostgreSQL; {@code args} win over the suite's
   * settings.
   */
  private static ConfigurableApplicationContext ingestNode(String... args) {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    return new SpringApplicationBuilder(IngestApplication.class).properties(properties).run(args);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static TestApi ingestApi() {
    return new TestApi(((WebServerApplicationContext) ingest).getWebServer().getPort());
  }

  /** The one line a service prints when it refuses to start with {@code args}. */
  private static String startupRefusal(String... args) {
    Throwable failure = catchThrowable(() -> ingestNode(args).close());
    assertThat(failure).as("the service must not start").isNotNull();
    return StartupFailures.explain(failure)
        .orElseThrow(() -> new AssertionError("not explained in one line", failure));
  }

  @Test
  void shouldNotStartAServiceWithoutASecretOrIssuerOrWithAPublishedOne() {
    assertThat(
            startupRefusal("--runstream.security.jwt-secret=", "--runstream.security.issuer-uri="))
        .contains("no way to verify tokens is configured")
        .contains("runstream.security.jwt-secret")
        .contains("runstream.security.issuer-uri")
        .doesNotContain("\n");
    assertThat(startupRefusal("--runstream.security.jwt-secret=" + PUBLISHED_DEV_SECRET))
        .contains("published placeholder");
    // The placeholder the Kubernetes files used to ship.
    assertThat(
            startupRefusal(
                "--runstream.security.jwt-secret=change-me-to-32-bytes-or-more-of-randomness"))
        .contains("published placeholder");
    assertThat(startupRefusal("--runstream.security.jwt-secret=too-short"))
        .contains("shorter than 32 bytes");
  }

  @Test
  void shouldRefuseTokensSignedWithThePublishedDevSecretAndTokensThatNeverExpire()
      throws Exception {
    String org = "org-" + UUID.randomUUID();
    String forged =
        DevTokens.mint(
            PUBLISHED_DEV_SECRET, "mallory", org, "M", "m@example.com", true, Duration.ofHours(1));
    assertThat(api().get("/api/v1/admin/budget", forged).status()).isEqualTo(401);
    assertThat(api().post("/api/v1/runs", forged, "{\"input\":\"hi\"}").status()).isEqualTo(401);

    JWTClaimsSet endless =
        new JWTClaimsSet.Builder()
            .subject("u-" + UUID.randomUUID())
            .claim("org", org)
            .issueTime(new Date())
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), endless);
    jwt.sign(new MACSigner(TestApi.SECRET.getBytes(StandardCharsets.UTF_8)));
    TestApi.Answer answer = api().get("/api/v1/sessions", jwt.serialize());
    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.body()).doesNotContain("Exception");
    // The same claims with an exp are fine: it was the missing exp that was refused.
    String expiring =
        DevTokens.mint(
            TestApi.SECRET,
            endless.getSubject(),
            org,
            "U",
            "u@example.com",
            false,
            Duration.ofMinutes(5));
    assertThat(api().get("/api/v1/sessions", expiring).status()).isEqualTo(200);
  }

  @Test
  void shouldRefuseTheSimulatedModelsKnobsWhereTheOperatorDidNotEnableThem() {
    String org = "org-" + UUID.randomUUID();
    String user = TestApi.token(org, "u-" + UUID.randomUUID());
    TestApi.Answer slow =
        ingestApi()
            .post(
                "/api/v1/runs",
                user,
                "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0.001}}");
    assertThat(slow.status()).as(slow.body()).isEqualTo(400);
    assertThat(slow.header("Content-Type")).startsWith("application/problem+json");
    assertThat(slow.body()).contains("simulation").contains("runstream.simulation.enabled");
    TestApi.Answer scripted =
        ingestApi()
            .post(
                "/api/v1/runs",
                user,
                "{\"input\":\"hi\",\"simulation\":{\"script\":[{\"type\":\"call\",\"name\":\"memory.store\",\"input\":{}}]}}");
    assertThat(scripted.status()).isEqualTo(400);
    // Every face refuses it in its own dialect: the agent-stream face answers {statusCode, error,
    // message, code}.
    TestApi.Answer agentStream =
        ingestApi()
            .send(
                HttpRequest.newBuilder(URI.create(ingestApi().base() + "/ai/agent/stream"))
                    .header("Authorization", "Bearer " + user)
                    .header("orgid", org)
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"task\":\"hi\",\"agentRole\":\"chat\",\"simulation\":{\"tokens_per_second\":0.001}}"))
                    .build());
    assertThat(agentStream.status()).as(agentStream.body()).isEqualTo(400);
    assertThat(agentStream.json().path("statusCode").asInt()).isEqualTo(400);
    assertThat(agentStream.header("Content-Type")).startsWith("application/json");
    assertThat(agentStream.body()).contains("simulation");
    // Nothing was started for them.
    assertThat(ingestApi().get("/api/v1/runs", user).json().path("count").asInt()).isZero();

    // Without the knobs the same user's run is admitted; the load-test identity the operator named
    // may use them.
    assertThat(ingestApi().post("/api/v1/runs", user, "{\"input\":\"hi\"}").status())
        .isEqualTo(202);
    String loadTest = TestApi.token(org, "svc-loadtest");
    assertThat(
            ingestApi()
                .post(
                    "/api/v1/runs",
                    loadTest,
                    "{\"input\":\"hi\",\"simulation\":{\"output_tokens\":3,\"tokens_per_second\":0}}")
                .status())
        .isEqualTo(202);
  }

  @Test
  void shouldLetOnlyTheOwnerOrAnAdministratorActOnARunOrSession() throws Exception {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String owner = TestApi.token(org, "owner-" + UUID.randomUUID());
    String colleague = TestApi.token(org, "colleague-" + UUID.randomUUID());
    String admin = TestApi.adminToken(org, "admin-" + UUID.randomUUID());
    TestApi.Answer created =
        api.post("/api/v1/sessions", owner, TestApi.sessionBody("mine", 2000, 20));
    String session = created.json().path("uuid").asString();
    String message = created.json().path("message_uuid").asString();
    String run =
        api.get("/api/v1/runs", owner).json().path("results").get(0).path("uuid").asString();

    // Reading stays as the contract says (the organisation sees its sessions and runs) ...
    assertThat(api.get("/api/v1/sessions/" + session, colleague).status()).isEqualTo(200);
    assertThat(api.get("/api/v1/runs/" + run, colleague).status()).isEqualTo(200);
    // ... but acting on them is the owner's: a colleague is answered 404, as for another
    // organisation's ids.
    List<TestApi.Answer> refused = new ArrayList<>();
    refused.add(api.post("/api/v1/runs/" + run + "/cancel", colleague, "{}"));
    refused.add(
        api.post(
            "/api/v1/runs/" + run + "/tool-results",
            colleague,
            "{\"toolCallId\":\"call_1\",\"output\":1}"));
    refused.add(api.post("/api/v1/sessions/" + session + "/stream/stop", colleague, "{}"));
    refused.add(
        api.post(
            "/api/v1/sessions/" + session + "/messages", colleague, "{\"text\":\"mine now\"}"));
    refused.add(
        api.post(
            "/api/v1/runs",
            colleague,
            "{\"input\":\"mine now\",\"session_uuid\":\"" + session + "\"}"));
    refused.add(
        api.post(
            "/api/v1/sessions/" + session + "/messages/" + message + "/feedback",
            colleague,
            "{\"rating\":\"negative\"}"));
    for (TestApi.Answer answer : refused) {
      assertThat(answer.status())
          .as(answer.raw().request().uri() + " " + answer.body())
          .isEqualTo(404);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    }
    assertThat(api.get("/api/v1/runs/" + run, owner).json().path("status").asString())
        .isIn("queued", "running");
    assertThat(
            api.get("/api/v1/sessions/" + session + "/messages", owner)
                .json()
                .path("count")
                .asInt())
        .isEqualTo(2);

    // The owner's own tool answer is checked as before (no call pending: 409, not 404).
    assertThat(
            api.post(
                    "/api/v1/runs/" + run + "/tool-results",
                    owner,
                    "{\"toolCallId\":\"call_1\",\"output\":1}")
                .status())
        .isEqualTo(409);
    // The organisation's administrator may act on it: the stop goes through.
    TestApi.Answer stopped = api.post("/api/v1/sessions/" + session + "/stream/stop", admin, "{}");
    assertThat(stopped.status()).isEqualTo(200);
    assertThat(stopped.json().path("stopped").asBoolean()).isTrue();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + run, owner).json().path("status").asString())
                    .isEqualTo("cancelled"));
    // And the owner rates their own message.
    assertThat(
            api.post(
                    "/api/v1/sessions/" + session + "/messages/" + message + "/feedback",
                    owner,
                    "{\"rating\":\"positive\"}")
                .status())
        .isEqualTo(200);
  }

  @Test
  void shouldLetOnlyAProjectsOwnerOrAnAdministratorChangeItsDocuments() {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String owner = TestApi.token(org, "owner-" + UUID.randomUUID());
    String colleague = TestApi.token(org, "colleague-" + UUID.randomUUID());
    String admin = TestApi.adminToken(org, "admin-" + UUID.randomUUID());
    String project = "/api/v1/projects/p-" + UUID.randomUUID() + "/documents";
    TestApi.Answer put =
        api.post(project, owner, "{\"name\":\"plan.md\",\"content\":\"The plan.\"}");
    assertThat(put.status()).as(put.body()).isEqualTo(201);
    String document = put.json().path("id").asString();

    TestApi.Answer upload =
        api.post(project, colleague, "{\"name\":\"plan.md\",\"content\":\"Replaced.\"}");
    assertThat(upload.status()).isEqualTo(404);
    assertThat(upload.json().has("detail")).as("FastAPI's error shape").isTrue();
    assertThat(delete(api, project + "/" + document, colleague)).isEqualTo(404);
    // Reading stays open to the organisation, and the document is unchanged.
    assertThat(api.get(project, colleague).body()).contains("plan.md");
    assertThat(api.get(project, owner).json().path("documents").get(0).path("chars").asInt())
        .isEqualTo("The plan.".length());

    assertThat(
            api.post(project, admin, "{\"name\":\"notes.md\",\"content\":\"Admin notes.\"}")
                .status())
        .isEqualTo(201);
    assertThat(delete(api, project + "/" + document, owner)).isEqualTo(204);
  }

  private static int delete(TestApi api, String path, String token) {
    return api.send(
            HttpRequest.newBuilder(URI.create(api.base() + path))
                .header("Authorization", "Bearer " + token)
                .DELETE()
                .build())
        .status();
  }

  @Test
  void shouldKeepTheOperationalEndpointsOffThePublicPortButTheProbes() {
    TestApi api = api();
    assertThat(api.get("/actuator/prometheus", null).status()).isEqualTo(401);
    assertThat(api.get("/actuator/metrics", TestApi.freshToken()).status()).isEqualTo(403);
    assertThat(
            api.get("/actuator/prometheus", TestApi.adminToken("org-" + UUID.randomUUID(), "boss"))
                .status())
        .as("an organisation's administrator is not the platform's operator")
        .isEqualTo(403);
    assertThat(api.get("/actuator/prometheus", TestApi.operatorToken("operators")).status())
        .isEqualTo(200);
    for (String probe :
        List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
      assertThat(api.get(probe, null).status()).as(probe).isEqualTo(200);
    }

    // With a management port, the actuator lives there (open: the network keeps it private), not on
    // the public port.
    TestApi management = new TestApi(managementPort);
    assertThat(management.get("/actuator/prometheus", null).status()).isEqualTo(200);
    assertThat(management.get("/actuator/health/readiness", null).status()).isEqualTo(200);
    assertThat(ingestApi().get("/actuator/prometheus", null).status()).isIn(401, 404);
    assertThat(ingestApi().get("/actuator/prometheus", TestApi.operatorToken("operators")).status())
        .isEqualTo(404);
  }
}
