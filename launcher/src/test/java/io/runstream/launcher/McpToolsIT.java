package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.runstream.schemas.EventJson;
import io.runstream.worker.tools.McpProperties;
import io.runstream.worker.tools.McpTools;
import io.runstream.worker.tools.ServerTool;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Issue #9: tools of MCP servers, against the real {@code @modelcontextprotocol/server-everything}
 * from the npm registry (installed by the test from the lock file): over stdio as the platform's
 * configured server {@code everything} (its tools offered as {@code everything.<tool>}), called by
 * the scripted model and by the OpenAI-compatible provider in a run; and over Streamable HTTP.
 */
class McpToolsIT extends PlatformIT {
  static final Path NODE_DIR = Path.of("src", "test", "node");

  /** The server's entry point, as the platform's configuration names it. */
  static final Path SERVER =
      NODE_DIR.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");

  private static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void install() throws Exception {
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(
        npm.isPresent() && ExternalClients.onPath("node").isPresent(),
        "node and npm are not on the PATH");
    ExternalClients.installNodeClients(npm.get(), NODE_DIR);
  }

  @Autowired McpTools platformTools;

  @Test
  void shouldCallAnMcpServersToolOverStdioFromAScriptedModelAndFromAProvider() throws Exception {
    // The server is connected in the background (here: once the test installed it); runs see its
    // tools from then on.
    awaitTool("everything.get-sum");
    TestApi api = api();
    String token = TestApi.freshToken();
    String runId =
        scriptedRun(
            api,
            token,
            "sum",
            "{\"type\":\"call\",\"name\":\"everything.get-sum\",\"input\":{\"a\":2,\"b\":3}},"
                + "{\"type\":\"call\",\"name\":\"everything.echo\",\"input\":{}}");
    List<JsonNode> parts;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      parts =
          read.untilDone(WAIT).stream().filter(e -> !e.done()).map(TestApi.Event::json).toList();
    }
    JsonNode sum =
        parts.stream()
            .filter(p -> p.path("type").asString().equals("tool-output-available"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(parts.toString()));
    assertThat(sum.path("output").asString()).isEqualTo("The sum of 2 and 3 is 5.");
    // A call the server refuses (echo without its message) is the call's error, and the run goes
    // on.
    JsonNode refused =
        parts.stream()
            .filter(p -> p.path("type").asString().equals("tool-output-error"))
            .findFirst()
            .orElseThrow();
    assertThat(refused.path("errorText").asString()).containsIgnoringCase("message");
    assertThat(parts.getLast().path("finishReason").asString()).isEqualTo("stop");

    // The OpenAI-compatible provider is offered the MCP tools (as everything_get-sum) and calls
    // one.
    TestApi.Answer session =
        api.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"Please add two numbers\",\"model\":\""
                + FakeModels.OPENAI
                + "/qwen3:8b\"}");
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + session.json().path("uuid").asString() + "/stream", token)) {
      List<JsonNode> turn =
          read.untilDone(WAIT).stream().filter(e -> !e.done()).map(TestApi.Event::json).toList();
      JsonNode call =
          turn.stream()
              .filter(p -> p.path("type").asString().equals("tool-input-available"))
              .findFirst()
              .orElseThrow();
      assertThat(call.path("toolName").asString()).isEqualTo("everything.get-sum");
      String text =
          turn.stream()
              .filter(p -> p.path("type").asString().equals("text-delta"))
              .map(p -> p.path("delta").asString())
              .collect(Collectors.joining());
      assertThat(text).contains("The sum of 2 and 3 is 5.");
    }
    String offered =
        FakeModels.get().openAi().requests().stream()
            .filter(b -> b.contains("Please add two numbers"))
            .findFirst()
            .orElseThrow();
    assertThat(
            EventJson.MAPPER
                .readTree(offered)
                .path("tools")
                .valueStream()
                .map(t -> t.path("function").path("name").asString()))
        .contains("everything_get-sum", "everything_echo", "memory_store");
  }

  @Test
  void shouldWaitForAnApprovalBeforeCallingAnMcpToolConfiguredNeedsApproval() throws Exception {
    awaitTool("everything.get-env");
    TestApi api = api();
    String token = TestApi.freshToken();
    String runId =
        scriptedRun(
            api, token, "env", "{\"type\":\"call\",\"name\":\"everything.get-env\",\"input\":{}}");
    List<TestApi.Event> events;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = new ArrayList<>(ToolApprovalsIT.untilApprovalRequest(read));
      assertThat(AgentToolsIT.parts(events))
          .as("the MCP server is not called before the approval")
          .noneMatch(p -> p.path("type").asString().startsWith("tool-output"));
      TestApi.Answer approved =
          api.post(
              "/api/v1/runs/" + runId + "/tool-approvals",
              token,
              "{\"approvalId\":\""
                  + events.getLast().json().path("approvalId").asString()
                  + "\",\"approved\":true}");
      assertThat(approved.status()).as(approved.body()).isEqualTo(202);
      events.addAll(read.untilDone(WAIT));
    }
    List<JsonNode> parts = AgentToolsIT.parts(events);
    assertThat(AgentToolsIT.first(parts, "tool-output-available").path("output").toString())
        .contains("PATH");
    assertThat(parts.getLast().path("type").asString()).isEqualTo("finish");
  }

  /** Starts a run whose simulated model makes {@code calls}, then says "Done."; its id. */
  private static String scriptedRun(TestApi api, String token, String input, String calls) {
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\""
                + input
                + "\",\"simulation\":{\"tokens_per_second\":0,\"script\":["
                + calls
                + ",{\"type\":\"text\",\"text\":\"Done.\"}]}}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    return run.json().path("run_uuid").asString();
  }

  /** Waits until the platform's MCP connection offers the tool (it connects in the background). */
  private void awaitTool(String name) {
    Awaitility.await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> platformTools.tools().stream().anyMatch(t -> t.name().equals(name)));
  }

  @Test
  void shouldListAndCallAnMcpServersToolsOverStreamableHttp() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ProcessBuilder builder =
        new ProcessBuilder(
                ExternalClients.onPath("node").orElseThrow().toString(),
                SERVER.toAbsolutePath().toString(),
                "streamableHttp")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("PORT", Integer.toString(port));
    Process server = builder.start();
    McpTools tools =
        new McpTools(
            new McpProperties(
                Map.of(
                    "remote",
                    new McpProperties.Server(
                        "",
                        List.of(),
                        Map.of(),
                        "http://127.0.0.1:" + port + "/mcp",
                        Duration.ofSeconds(30)))));
    try {
      // It connects in the background; a server not up yet is tried again 5 s later.
      List<ServerTool> listed =
          Awaitility.await()
              .atMost(Duration.ofSeconds(40))
              .pollInterval(Duration.ofMillis(300))
              .until(tools::tools, found -> !found.isEmpty());
      assertThat(listed).extracting(ServerTool::name).contains("remote.echo", "remote.get-sum");
      ServerTool echo =
          listed.stream().filter(t -> t.name().equals("remote.echo")).findFirst().orElseThrow();
      assertThat(echo.inputSchema().path("properties").has("message")).isTrue();
      assertThat(echo.call(EventJson.MAPPER.readTree("{\"message\":\"hi\"}"), null).asString())
          .isEqualTo("Echo: hi");
    } finally {
      tools.destroy();
      server.destroy();
      server.waitFor();
    }
  }
}
