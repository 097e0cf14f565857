package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8: the canonical face's contract defects found by a black-box client, each as the contract
 * words it.
 */
class CanonicalContractIT extends PlatformIT {

  @Test
  void shouldSendDoneWithoutAnIdSoIdsStrictlyIncreaseAndTheFinishIdGets204() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created = api.post("/api/v1/sessions", token, TestApi.sessionBody("ids", 30, 0));
    String path = "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream";
    List<TestApi.Event> events;
    try (TestApi.Stream stream = api.stream(path, token)) {
      events = stream.untilDone(Duration.ofSeconds(30));
    }
    TestApi.Event done = events.getLast();
    TestApi.Event finish = events.get(events.size() - 2);
    assertThat(done.done()).isTrue();
    assertThat(done.ownId()).as("[DONE] carries no id: line").isFalse();
    assertThat(finish.type()).isEqualTo("finish");
    List<TestApi.Event> withIds = events.stream().filter(TestApi.Event::ownId).toList();
    assertThat(withIds).hasSize(events.size() - 1);
    assertThat(withIds).extracting(TestApi.Event::seq).isSorted().doesNotHaveDuplicates();
    // EventSource's last id after the stream is the finish id; reconnecting with it is told to
    // stop.
    assertThat(done.id()).isEqualTo(finish.id());
    try (TestApi.Stream again = api.stream(path, token, Map.of("Last-Event-ID", finish.id()))) {
      assertThat(again.status).isEqualTo(204);
    }
  }

  @Test
  void shouldShowTheTokensSubjectAsTheSessionUserWhenItIsAUuidAndAStableNameBasedUuidOtherwise() {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String uuidSubject = UUID.randomUUID().toString();
    String token = TestApi.token(org, uuidSubject);
    String session =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("who", 5, 0))
            .json()
            .path("uuid")
            .asString();
    assertThat(
            api.get("/api/v1/sessions/" + session, token)
                .json()
                .path("user")
                .path("uuid")
                .asString())
        .isEqualTo(uuidSubject);

    String subject = "auth0|" + UUID.randomUUID();
    String named = TestApi.token(org, subject);
    String first =
        api.post("/api/v1/sessions", named, TestApi.sessionBody("one", 5, 0))
            .json()
            .path("uuid")
            .asString();
    JsonNode user = api.get("/api/v1/sessions/" + first, named).json().path("user");
    UUID publicId = UUID.fromString(user.path("uuid").asString());
    assertThat(publicId.version()).as("a name-based UUID").isEqualTo(3);
    assertThat(user.path("name").asString()).isEqualTo("User " + subject);
    // Stable: the same token names the same user in every session and in every later request.
    String second =
        api.post("/api/v1/sessions", named, TestApi.sessionBody("two", 5, 0))
            .json()
            .path("uuid")
            .asString();
    assertThat(
            api.get("/api/v1/sessions/" + second, named)
                .json()
                .path("user")
                .path("uuid")
                .asString())
        .isEqualTo(publicId.toString());
    // The same subject in another organisation is another user.
    String otherOrg = TestApi.token("org-" + UUID.randomUUID(), subject);
    String elsewhere =
        api.post("/api/v1/sessions", otherOrg, TestApi.sessionBody("three", 5, 0))
            .json()
            .path("uuid")
            .asString();
    assertThat(
            api.get("/api/v1/sessions/" + elsewhere, otherOrg)
                .json()
                .path("user")
                .path("uuid")
                .asString())
        .isNotEqualTo(publicId.toString());
  }

  @Test
  void shouldValidateTheRunsApisToolsAndFilesAndAcceptThemWhenWellFormed() {
    TestApi api = api();
    String token = TestApi.freshToken();
    for (Map.Entry<String, String> bad :
        Map.of(
                "{\"input\":\"hi\",\"tools\":\"x\"}", "tools",
                "{\"input\":\"hi\",\"files\":3}", "files",
                "{\"input\":\"hi\",\"tools\":[{\"description\":\"no name\"}]}", "tools[0].name",
                "{\"input\":\"hi\",\"files\":[{\"name\":\"a.txt\"}]}", "files[0]",
                "{\"input\":\"hi\",\"files\":[{\"url\":\"file:///etc/passwd\"}]}", "files[0].url")
            .entrySet()) {
      TestApi.Answer answer = api.post("/api/v1/runs", token, bad.getKey());
      assertThat(answer.status()).as(bad.getKey()).isEqualTo(400);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
      assertThat(answer.json().path("errors").get(0).path("field").asString())
          .as(bad.getKey())
          .isEqualTo(bad.getValue());
    }
    TestApi.Answer ok =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"hi\",\"tools\":[{\"name\":\"getWeather\",\"description\":\"Weather\",\"inputSchema\":{\"type\":\"object\"}}],"
                + "\"files\":[{\"name\":\"notes.txt\",\"content\":\"hello\"}],\"simulation\":{\"output_tokens\":5,\"tokens_per_second\":0}}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(202);
  }

  /**
   * docs/models.md (issue #12): stamped deltas let an external load generator measure delivery
   * latency end to end.
   */
  @Test
  void shouldStreamStampedDeltasWhenTheSimulationAsksForThem() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    assertThat(
            api.post("/api/v1/runs", token, "{\"input\":\"x\",\"simulation\":{\"stamp\":\"yes\"}}")
                .status())
        .isEqualTo(400);
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"x\",\"simulation\":{\"stamp\":true,\"output_tokens\":30,\"tokens_per_second\":100}}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    List<String> deltas;
    long before = System.currentTimeMillis();
    try (TestApi.Stream stream =
        api.stream("/api/v1/runs/" + run.json().path("run_uuid").asString() + "/stream", token)) {
      deltas =
          stream.untilDone(Duration.ofSeconds(30)).stream()
              .filter(e -> !e.done() && e.type().equals("text-delta"))
              .map(e -> e.json().path("delta").asString())
              .toList();
    }
    long after = System.currentTimeMillis();
    assertThat(deltas).hasSize(30);
    for (int n = 0; n < deltas.size(); n++) {
      assertThat(deltas.get(n)).matches("tok" + n + "@\\d{13}\\.\\d{3} ");
      long at =
          Long.parseLong(
              deltas.get(n).substring(deltas.get(n).indexOf('@') + 1, deltas.get(n).indexOf('.')));
      assertThat(at).isBetween(before - 1000, after);
    }
  }
}
