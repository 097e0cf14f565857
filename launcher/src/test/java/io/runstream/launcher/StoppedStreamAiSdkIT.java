package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #27 item 1: a stopped run's canonical stream, read by the Vercel AI SDK's own parser as
 * {@code useChat} reads it ({@code parseJsonEventStream} with {@code uiMessageChunkSchema}, then
 * {@code readUIMessageStream}), in the versions clients run: 7.0.173 (the one {@code clients/js}
 * and the playground ship), the latest 6.x and 5.x. Every event passes the schema (a {@code finish}
 * with {@code finishReason: "abort"} did not: "Type validation failed"), the stream ends {@code
 * abort}, {@code data-usage}, {@code finish}, and the assembled message is the stored, {@code
 * cancelled} one.
 */
class StoppedStreamAiSdkIT extends PlatformIT {
  private static final Path SDKS = Path.of("src", "test", "node", "ai-sdk");
  private static final Map<String, String> VERSIONS =
      Map.of("v7", "7.0.173", "v6", "6.", "v5", "5.");

  @Test
  void shouldEndAStoppedRunWithAStreamEveryAiSdkVersionAcceptsAsAStoppedMessage() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    for (String folder : VERSIONS.keySet()) {
      ExternalClients.installNodeClients(npm.get(), SDKS.resolve(folder), "ai");
    }
    TestApi api = api();
    String token = TestApi.freshToken();

    // Stopped mid-stream, through the session's Stop.
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("talk for a while", 2000, 50));
    String sessionId = created.json().path("uuid").asString();
    String midStream = created.json().path("run_uuid").asString();
    List<TestApi.Event> read = new ArrayList<>();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + sessionId + "/stream", token)) {
      read.addAll(stream.take(12, Duration.ofSeconds(20)));
      assertThat(
              api.post("/api/v1/sessions/" + sessionId + "/stream/stop", token, "")
                  .json()
                  .path("stopped")
                  .asBoolean())
          .isTrue();
      read.addAll(stream.untilDone(Duration.ofSeconds(20)));
    }
    JsonNode stored =
        api.get("/api/v1/sessions/" + sessionId + "/messages", token).json().path("results").get(1);
    assertThat(stored.path("status").asString()).isEqualTo("cancelled");
    assertThat(stored.path("text").asString()).isNotEmpty().isEqualTo(SessionFlowIT.text(read));

    // Stopped before its worker started it: the same end, with the nothing it spent.
    String early =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"never mind\",\"simulation\":{\"output_tokens\":2000,\"tokens_per_second\":50}}")
            .json()
            .path("run_uuid")
            .asString();
    assertThat(api.post("/api/v1/runs/" + early + "/cancel", token, "").status()).isEqualTo(202);

    for (Map.Entry<String, String> sdk : VERSIONS.entrySet()) {
      JsonNode stopped =
          parse(node.get(), sdk.getKey(), "/api/v1/runs/" + midStream + "/stream", token);
      assertThat(stopped.path("version").asString()).startsWith(sdk.getValue());
      assertThat(stopped.path("failures")).as("refused by ai %s", sdk.getValue()).isEmpty();
      assertThat(stopped.path("errors")).isEmpty();
      List<String> types = strings(stopped.path("types"));
      assertThat(types.subList(types.size() - 3, types.size()))
          .containsExactly("abort", "data-usage", "finish");
      assertThat(stopped.path("finish").toString()).isEqualTo("{\"type\":\"finish\"}");
      assertThat(stopped.path("text").asString())
          .as("the stopped message keeps its text")
          .isEqualTo(stored.path("text").asString());
      assertThat(strings(stopped.path("parts"))).contains("text", "data-usage");

      JsonNode before = parse(node.get(), sdk.getKey(), "/api/v1/runs/" + early + "/stream", token);
      assertThat(before.path("failures")).as("refused by ai %s", sdk.getValue()).isEmpty();
      List<String> earlyTypes = strings(before.path("types"));
      assertThat(earlyTypes.getFirst()).isEqualTo("start");
      assertThat(earlyTypes.subList(earlyTypes.size() - 3, earlyTypes.size()))
          .containsExactly("abort", "data-usage", "finish");
    }
  }

  /**
   * The stream at {@code path} as the SDK in {@code folder} reads it (read-stream.mjs's one JSON
   * line).
   */
  private JsonNode parse(Path node, String folder, String path, String token) throws Exception {
    ExternalClients.Finished run =
        ExternalClients.run(
            SDKS,
            Duration.ofMinutes(1),
            node.toString(),
            "read-stream.mjs",
            folder,
            api().base() + path,
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    return TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asString()));
    return values;
  }
}
