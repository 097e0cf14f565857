package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Another organisation's ids answer 404 everywhere, never 403: no existence leak. */
class IsolationIT extends PlatformIT {

  @Test
  void shouldAnswer404ToAnotherOrganisationOnEveryEndpoint() throws Exception {
    TestApi api = api();
    String owner = TestApi.freshToken();
    String stranger = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", owner, TestApi.sessionBody("secret", 10, 0));
    String sessionId = created.json().path("uuid").asString();
    String runId = created.json().path("run_uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", owner)) {
      assertThat(stream.untilDone(Duration.ofSeconds(30)).getLast().done()).isTrue();
    }
    for (String path :
        new String[] {
          "/api/v1/sessions/" + sessionId,
          "/api/v1/sessions/" + sessionId + "/messages",
          "/api/v1/runs/" + runId
        }) {
      TestApi.Answer answer = api.get(path, stranger);
      assertThat(answer.status()).as(path).isEqualTo(404);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    }
    for (String path :
        new String[] {
          "/api/v1/sessions/" + sessionId + "/stream", "/api/v1/runs/" + runId + "/stream"
        }) {
      try (TestApi.Stream stream = api.stream(path, stranger)) {
        assertThat(stream.status).as(path).isEqualTo(404);
      }
    }
    assertThat(
            api.post("/api/v1/sessions/" + sessionId + "/messages", stranger, "{\"text\":\"hi\"}")
                .status())
        .isEqualTo(404);
    assertThat(
            api.post(
                    "/api/v1/runs",
                    stranger,
                    "{\"input\":\"hi\",\"session_uuid\":\"" + sessionId + "\"}")
                .status())
        .isEqualTo(404);
    assertThat(api.post("/api/v1/runs/" + runId + "/cancel", stranger, "").status()).isEqualTo(404);
    assertThat(api.post("/api/v1/sessions/" + sessionId + "/stream/stop", stranger, "").status())
        .isEqualTo(404);
    String agentMessage = created.json().path("message_uuid").asString();
    assertThat(
            api.post(
                    "/api/v1/sessions/" + sessionId + "/messages/" + agentMessage + "/feedback",
                    stranger,
                    "{\"rating\":\"positive\"}")
                .status())
        .isEqualTo(404);
    assertThat(api.get("/api/v1/sessions", stranger).json().path("count").asLong()).isZero();
    assertThat(api.get("/api/v1/sessions", owner).json().path("count").asLong()).isEqualTo(1);
  }

  @Test
  void shouldSeparateUsersOfTheSameOrganisationInListingsButNotHideSessionsById() {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String alice = TestApi.token(org, "alice");
    String bob = TestApi.token(org, "bob");
    String sessionId =
        api.post("/api/v1/sessions", alice, TestApi.sessionBody("team", 5, 0))
            .json()
            .path("uuid")
            .asString();
    assertThat(api.get("/api/v1/sessions", bob).json().path("count").asLong()).isZero();
    assertThat(api.get("/api/v1/sessions/" + sessionId, bob).status()).isEqualTo(200);
  }
}
