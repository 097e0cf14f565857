package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Feedback on agent messages, shown on the message; a blank title generated after the first reply;
 * listings.
 */
class FeedbackAndTitleIT extends PlatformIT {

  @Test
  void shouldCreateReplaceAndShowFeedbackOnAgentMessagesOnly() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("rate me", 10, 0));
    String sessionId = created.json().path("uuid").asString();
    String agentMessage = created.json().path("message_uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    String feedbackPath =
        "/api/v1/sessions/" + sessionId + "/messages/" + agentMessage + "/feedback";
    TestApi.Answer first =
        api.post(feedbackPath, token, "{\"rating\":\"positive\",\"body\":\"Accurate\"}");
    assertThat(first.status()).isEqualTo(200);
    JsonNode body = first.json();
    assertThat(body.path("url").asString()).isEqualTo(api.base() + feedbackPath);
    assertThat(body.path("session_uuid").asString()).isEqualTo(sessionId);
    assertThat(body.path("message_uuid").asString()).isEqualTo(agentMessage);
    assertThat(body.path("rating").asString()).isEqualTo("positive");
    assertThat(body.path("body").asString()).isEqualTo("Accurate");
    assertThat(body.path("created_at").asString())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");

    TestApi.Answer replaced = api.post(feedbackPath, token, "{\"rating\":\"negative\"}");
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().path("body").isNull()).isTrue();
    JsonNode shown =
        api.get("/api/v1/sessions/" + sessionId + "/messages", token)
            .json()
            .path("results")
            .get(1)
            .path("feedback");
    assertThat(shown.path("rating").asString()).isEqualTo("negative");

    String userMessage =
        api.get("/api/v1/sessions/" + sessionId + "/messages", token)
            .json()
            .path("results")
            .get(0)
            .path("uuid")
            .asString();
    TestApi.Answer onUser =
        api.post(
            "/api/v1/sessions/" + sessionId + "/messages/" + userMessage + "/feedback",
            token,
            "{\"rating\":\"positive\"}");
    assertThat(onUser.status()).isEqualTo(400);
    assertThat(onUser.json().path("code").asString()).isEqualTo("feedback_on_user_message");
    assertThat(api.post(feedbackPath, token, "{\"rating\":\"meh\"}").status()).isEqualTo(400);
    assertThat(api.post(feedbackPath, token, "{}").status()).isEqualTo(400);
    assertThat(api.post(feedbackPath, TestApi.freshToken(), "{\"rating\":\"positive\"}").status())
        .isEqualTo(404);
    assertThat(
            api.post(
                    "/api/v1/sessions/"
                        + sessionId
                        + "/messages/"
                        + UUID.randomUUID()
                        + "/feedback",
                    token,
                    "{\"rating\":\"positive\"}")
                .status())
        .isEqualTo(404);
  }

  @Test
  void shouldGenerateABlankTitleAfterTheFirstReplyAndKeepAGivenOne() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer blank =
        api.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"Generate 5 random cat names\",\"title\":\"\",\"simulation\":{\"output_tokens\":10,\"tokens_per_second\":0}}");
    String blankId = blank.json().path("uuid").asString();
    assertThat(blank.json().path("title").asString()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        api.get("/api/v1/sessions/" + blankId, token)
                            .json()
                            .path("title")
                            .asString())
                    .isEqualTo("5 random cat names"));

    TestApi.Answer titled =
        api.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"Generate 5 random dog names\",\"title\":\"Dogs\",\"simulation\":{\"output_tokens\":10,\"tokens_per_second\":0}}");
    String titledId = titled.json().path("uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + titledId + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        api.get("/api/v1/runs/" + titled.json().path("run_uuid").asString(), token)
                            .json()
                            .path("status")
                            .asString())
                    .isEqualTo("completed"));
    assertThat(api.get("/api/v1/sessions/" + titledId, token).json().path("title").asString())
        .isEqualTo("Dogs");

    JsonNode list = api.get("/api/v1/sessions?page_size=1", token).json();
    assertThat(list.path("count").asInt()).isEqualTo(2);
    assertThat(list.path("results").get(0).path("uuid").asString()).isEqualTo(titledId);
    assertThat(list.path("next").asString()).endsWith("/api/v1/sessions?page=2&page_size=1");
    assertThat(list.path("previous").isNull()).isTrue();
    JsonNode second = api.get("/api/v1/sessions?page=2&page_size=1", token).json();
    assertThat(second.path("results").get(0).path("uuid").asString()).isEqualTo(blankId);
    assertThat(second.path("next").isNull()).isTrue();
  }
}
