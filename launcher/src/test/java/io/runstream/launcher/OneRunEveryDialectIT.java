package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #28: one run read in all six dialects (canonical, agent stream, project chat, genie, AG-UI,
 * OpenAI Responses) is the same run: the same text in each, and ids that are the run's own (each
 * face's ids grow, lie within the run's and end at its last), so a reader may resume any of them by
 * id. The POST-stream faces read a given run with {@code X-Run-Id} (Runstream's extension).
 */
class OneRunEveryDialectIT extends PlatformIT {

  @Test
  void shouldReadOneRunInEveryDialectWithTheSameTextAndTheRunsOwnIds() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    JsonNode started =
        api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":\"Tell me about dialects\","
                    + "\"simulation\":{\"output_tokens\":25,\"tokens_per_second\":0}}")
            .json();
    String run = started.path("run_uuid").asString();

    // canonical: the AI SDK's UI message stream
    List<TestApi.Event> canonical;
    try (TestApi.Stream stream = api().stream("/api/v1/runs/" + run + "/stream", token)) {
      canonical = stream.untilDone(Duration.ofSeconds(60));
    }
    assertThat(canonical.getLast().done()).isTrue();
    List<Long> runIds = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (TestApi.Event event : canonical) {
      if (event.done()) {
        continue;
      }
      runIds.add(event.seq());
      JsonNode data = TestApi.JSON.readTree(event.data());
      if (data.path("type").asString().equals("text-delta")) {
        text.append(data.path("delta").asString());
      }
    }
    long first = runIds.getFirst();
    long last = runIds.getLast();
    assertThat(text).isNotEmpty();

    // agent stream: GET /ai/stream/{streamId}, the run's id as its stream id
    List<TestApi.Event> agent;
    try (TestApi.Stream stream = api().stream("/ai/stream/" + run, token, Map.of("orgid", org))) {
      agent = stream.all(Duration.ofSeconds(60));
    }
    assertIds("agent-stream", agent.stream().map(TestApi.Event::id).toList(), first, last);
    StringBuilder agentText = new StringBuilder();
    for (TestApi.Event event : agent) {
      JsonNode data = TestApi.JSON.readTree(event.data());
      if (data.path("type").asString().equals("text")) {
        agentText.append(data.path("text").asString());
      }
    }
    assertThat(agentText.toString()).as("agent-stream text").isEqualTo(text.toString());

    // project chat, genie and AG-UI answer their POST with the stream: X-Run-Id names the run
    Map<String, String> named = Map.of("Authorization", "Bearer " + token, "X-Run-Id", run);
    PostSse.Answer chat =
        PostSse.post(
            api().base() + "/api/v1/chat/stream",
            named,
            "{\"conversation_id\":\"c-" + UUID.randomUUID() + "\",\"message\":\"read\"}",
            Integer.MAX_VALUE);
    assertThat(chat.status()).isEqualTo(200);
    assertIds("project-chat", chat.events().stream().map(PostSse.Event::id).toList(), first, last);
    StringBuilder chatText = new StringBuilder();
    for (PostSse.Event event : chat.events()) {
      if (!event.json().path("done").asBoolean(true)) {
        chatText.append(event.json().path("token").asString());
      }
    }
    assertThat(chatText.toString()).as("project-chat text").isEqualTo(text.toString());

    PostSse.Answer genie =
        PostSse.post(
            api().base() + "/api/genie/stream-chat",
            named,
            "{\"message\":\"read\"}",
            Integer.MAX_VALUE);
    assertThat(genie.status()).isEqualTo(200);
    assertIds("genie", genie.events().stream().map(PostSse.Event::id).toList(), first, last);
    StringBuilder genieText = new StringBuilder();
    for (PostSse.Event event : genie.events()) {
      if (event.type().equals("textResponseChunk")) {
        genieText.append(event.json().path("textResponse").asString());
      }
    }
    assertThat(genieText.toString()).as("genie text").isEqualTo(text.toString());

    PostSse.Answer agUi =
        PostSse.post(
            api().base() + "/api/v1/ag-ui",
            named,
            "{\"threadId\":\"t-"
                + UUID.randomUUID()
                + "\",\"runId\":\"r-1\",\"messages\":[{\"id\":\"m1\",\"role\":\"user\","
                + "\"content\":\"read\"}],\"tools\":[],\"context\":[]}",
            Integer.MAX_VALUE);
    assertThat(agUi.status()).isEqualTo(200);
    assertIds("ag-ui", agUi.events().stream().map(PostSse.Event::id).toList(), first, last);
    StringBuilder agUiText = new StringBuilder();
    for (PostSse.Event event : agUi.events()) {
      if (event.type().equals("TEXT_MESSAGE_CONTENT")) {
        agUiText.append(event.json().path("delta").asString());
      }
    }
    assertThat(agUiText.toString()).as("ag-ui text").isEqualTo(text.toString());

    // OpenAI Responses: the run as a Response, its events numbered by sequence_number; read twice,
    // the same events
    List<String> responses = responseEvents(run, token);
    assertThat(responses).isEqualTo(responseEvents(run, token));
    StringBuilder responseText = new StringBuilder();
    long expected = 0;
    for (String data : responses) {
      JsonNode event = TestApi.JSON.readTree(data);
      assertThat(event.path("sequence_number").asLong()).isEqualTo(expected++);
      if (event.path("type").asString().equals("response.output_text.delta")) {
        responseText.append(event.path("delta").asString());
      }
    }
    assertThat(responseText.toString()).as("responses text").isEqualTo(text.toString());
  }

  /** The data of each event of the run read as a Response stream ({@code resp_<run id's hex>}). */
  private List<String> responseEvents(String run, String token) throws Exception {
    TestApi.Answer answer =
        api()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            api().base()
                                + "/v1/responses/resp_"
                                + run.replace("-", "")
                                + "?stream=true"))
                    .header("Authorization", "Bearer " + token)
                    .GET()
                    .build());
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    List<String> data = new ArrayList<>();
    for (String line : answer.body().split("\n")) {
      if (line.startsWith("data: ")) {
        data.add(line.substring("data: ".length()));
      }
    }
    assertThat(data).isNotEmpty();
    return data;
  }

  /** A face's ids: every event has one, they never go back, and they are the run's own. */
  private static void assertIds(String face, List<String> ids, long first, long last) {
    assertThat(ids).as("%s: events", face).isNotEmpty().doesNotContainNull();
    long previous = Long.MIN_VALUE;
    for (String id : ids) {
      long seq = Long.parseLong(id);
      assertThat(seq).as("%s: ids never go back", face).isGreaterThanOrEqualTo(previous);
      assertThat(seq).as("%s: ids are the run's", face).isBetween(first, last);
      previous = seq;
    }
    assertThat(previous).as("%s: its last id is the run's last", face).isEqualTo(last);
  }
}
