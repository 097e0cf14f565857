package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #28 part 2, the AG-UI face, driven by AG-UI's own client: {@code @ag-ui/client}'s {@code
 * HttpAgent} (1.0.0, {@code src/test/node/ag-ui}) runs {@code ag-ui-it.mjs}, which validates every
 * event it gets (as HttpAgent hands it over and as it came over the wire) with {@code
 * @ag-ui/core}'s {@code EventSchemas}: a run (reasoning, a stage, text, usage), the errors, a
 * second run on the same thread (the first as its history), a runId replayed, a resume with {@code
 * Last-Event-ID}, a frontend tool round trip (the run ends at the call, the tool message of the
 * next run continues it). One node process for all of it.
 */
class AgUiIT extends PlatformIT {
  private static final Path NODE_DIR = Path.of("src", "test", "node", "ag-ui");

  @Test
  void shouldServeHttpAgentRunsValidatedByTheAgUiSchemas() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    ExternalClients.installNodeClients(npm.get(), NODE_DIR, "@ag-ui/client", "@ag-ui/core");
    String org = "ag-ui-org-" + UUID.randomUUID();
    String token = TestApi.token(org, "ag-ui-user-" + UUID.randomUUID());

    ExternalClients.Finished run =
        ExternalClients.run(
            NODE_DIR,
            Duration.ofSeconds(90),
            node.get().toString(),
            "ag-ui-it.mjs",
            api().base(),
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    JsonNode out = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
    String described = run.describe();

    // Errors: 401 without a token, 400 with a JSON body naming the field, also through HttpAgent.
    assertThat(out.path("unauthenticated").path("status").asInt()).as(described).isEqualTo(401);
    assertThat(out.path("unauthenticated").path("body").path("code").asString()).isNotBlank();
    assertThat(out.path("unauthenticated").path("body").path("message").asString()).isNotBlank();
    for (JsonNode malformed : out.path("malformed")) {
      assertThat(malformed.path("status").asInt()).as(malformed.toString()).isEqualTo(400);
      assertThat(malformed.path("type").asString()).as(malformed.toString()).contains("json");
      assertThat(malformed.path("answer").path("message").asString())
          .as(malformed.toString())
          .isNotBlank();
    }
    assertThat(out.path("malformed").size()).isEqualTo(8);
    assertThat(out.path("refusedByHttpAgent").path("status").asInt()).isEqualTo(400);
    assertThat(out.path("refusedByHttpAgent").path("payload").path("code").asString())
        .isEqualTo("invalid_request");

    // Resume: nothing after the run's last id.
    assertThat(out.path("resume").path("afterLast").asInt()).isEqualTo(204);

    // A frontend tool answered again once its run went on: 409 in the face's dialect.
    assertThat(out.path("tools").path("stale").path("status").asInt()).isEqualTo(409);
    assertThat(out.path("tools").path("stale").path("body").path("code").asString())
        .isEqualTo("no_pending_tool_call");

    // A failed run ends with RUN_ERROR: the provider's code and message.
    assertThat(out.path("failed").path("code").asString()).isEqualTo("provider_down");
    assertThat(out.path("failed").path("message").asString()).isEqualTo("The provider is down");

    // One session per thread: the chat's two runs (the replay ran nothing), and the tool thread's
    // one run, whose answer came after the client's tool result.
    JsonNode sessions = api().get("/api/v1/sessions", token).json().path("results");
    assertThat(sessions.size()).as(sessions.toString()).isEqualTo(3);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              List<JsonNode> transcripts = new ArrayList<>();
              for (JsonNode session : sessions) {
                transcripts.add(
                    api()
                        .get(
                            "/api/v1/sessions/" + session.path("uuid").asString() + "/messages",
                            token)
                        .json()
                        .path("results"));
              }
              transcripts.sort(Comparator.comparingInt(JsonNode::size));
              JsonNode chat = transcripts.get(2);
              JsonNode tool =
                  transcripts.get(0).get(1).path("status").asString().equals("failed")
                      ? transcripts.get(1)
                      : transcripts.get(0);
              assertThat(chat.size()).as(chat.toString()).isEqualTo(4);
              assertThat(chat.get(1).path("text").asString())
                  .isEqualTo(out.path("first").path("text").asString());
              assertThat(chat.get(1).path("uuid").asString())
                  .as("the answer's message id is the agent message's")
                  .isEqualTo(out.path("first").path("messageId").asString());
              // The client's ids kept with the run; forwardedProps.model picked the model.
              assertThat(chat.get(2).path("metadata").path("agui").path("runId").asString())
                  .isEqualTo(out.path("second").path("runId").asString());
              assertThat(chat.get(3).path("model").path("model_id").asString())
                  .isEqualTo("sim-ag-ui");
              assertThat(tool.size()).as(tool.toString()).isEqualTo(2);
              assertThat(tool.get(1).path("text").asString()).isEqualTo("It is sunny in Lisbon");
              assertThat(tool.get(1).path("status").asString()).isEqualTo("completed");
            });
  }
}
