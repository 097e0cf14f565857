package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue #28 part 1: the OpenAI Responses face, added through the face registry, driven by the
 * official {@code openai} npm SDK (7.55.0, {@code src/test/node/openai}): streamed creation (the
 * raw stream and the SDK's own accumulating helper), a plain create, retrieve, {@code
 * previous_response_id}, a background response resumed with {@code starting_after} and polled,
 * cancel, and errors in OpenAI's shape; and the raw stream's framing (no comments, no {@code
 * retry:}, no {@code [DONE]}).
 */
class ResponsesFaceIT extends PlatformIT {
  private static final Path OPENAI_DIR = Path.of("src", "test", "node", "openai");
  private static final Path PYTHON_DIR = Path.of("src", "test", "python");
  private static final String PYTHON_OPENAI = "3.22.1";
  private static final String CHECK =
      "import openai, sys; sys.exit(0 if openai.__version__ == '" + PYTHON_OPENAI + "' else 1)";

  @Test
  void shouldServeTheOfficialOpenAiSdk() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    ExternalClients.installNodeClients(npm.get(), OPENAI_DIR, "openai");
    String token = TestApi.freshToken();
    // An organisation whose token budget is spent (none granted).
    String spentOrg = "org-" + UUID.randomUUID();
    TestApi.Answer budget =
        api()
            .put(
                "/api/v1/admin/budget",
                TestApi.operatorToken("operators-" + UUID.randomUUID()),
                "{\"token_budget\":0,\"organisation\":\"" + spentOrg + "\"}");
    assertThat(budget.status()).as(budget.body()).isEqualTo(200);
    ExternalClients.Finished run =
        ExternalClients.run(
            OPENAI_DIR,
            Duration.ofSeconds(150),
            node.get().toString(),
            "responses.mjs",
            api().base(),
            token,
            TestApi.freshToken(),
            TestApi.token(spentOrg, "spender"));
    String described = run.describe();
    assertThat(run.exitCode()).as(described).isZero();
    JsonNode out = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));

    // 1. The raw stream: the official union's types in order, numbered 0, 1, 2, ...
    JsonNode streamed = out.path("streamed");
    List<String> types = streamed.path("types").valueStream().map(JsonNode::asString).toList();
    assertThat(types.subList(0, 5))
        .as(described)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta");
    assertThat(types.subList(types.size() - 4, types.size()))
        .containsExactly(
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    assertThat(streamed.path("sequence").valueStream().map(JsonNode::asInt).toList())
        .isEqualTo(IntStream.range(0, types.size()).boxed().toList());
    JsonNode completed = streamed.path("last").path("response");
    assertThat(completed.path("status").asString()).isEqualTo("completed");
    assertThat(completed.path("object").asString()).isEqualTo("response");
    assertThat(completed.path("id").asString()).startsWith("resp_");
    assertThat(completed.path("usage").path("output_tokens").asLong()).isPositive();
    assertThat(completed.path("usage").path("total_tokens").asLong())
        .isEqualTo(
            completed.path("usage").path("input_tokens").asLong()
                + completed.path("usage").path("output_tokens").asLong());
    assertThat(completed.path("instructions").asString()).isEqualTo("Be brief.");
    assertThat(completed.path("metadata").path("case").asString()).isEqualTo("streamed");
    assertThat(completed.path("model").asString()).isEqualTo("simulated/sim-1");
    assertThat(streamed.path("text").asString()).isNotBlank();
    assertThat(completed.path("output").get(0).path("content").get(0).path("text").asString())
        .isEqualTo(streamed.path("text").asString());

    // 2. The SDK's accumulating helper accepts the stream and computes output_text.
    JsonNode helper = out.path("helper");
    assertThat(helper.path("status").asString()).as(described).isEqualTo("completed");
    assertThat(helper.path("outputText").asString()).isEqualTo("Here it is again.");
    // Reasoning is a reasoning item before the message.
    assertThat(helper.path("outputTypes").valueStream().map(JsonNode::asString).toList())
        .containsExactly("reasoning", "message");
    assertThat(helper.path("reasoning").asString()).isEqualTo("The user wants it again.");
    assertThat(helper.path("events").valueStream().map(JsonNode::asString).toList())
        .contains("response.reasoning_text.delta", "response.reasoning_text.done");

    // 3. A plain create answers the Response once the run ended, every required field, no
    // output_text.
    JsonNode plain = out.path("plain");
    JsonNode response = plain.path("response");
    assertThat(plain.path("rawKeys").valueStream().map(JsonNode::asString).toList())
        .contains(
            "id",
            "object",
            "created_at",
            "model",
            "output",
            "status",
            "error",
            "incomplete_details",
            "instructions",
            "metadata",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "temperature",
            "top_p",
            "background",
            "previous_response_id",
            "usage")
        .doesNotContain("output_text");
    assertThat(response.path("status").asString()).isEqualTo("completed");
    assertThat(response.path("created_at").asLong())
        .isBetween(System.currentTimeMillis() / 1000 - 600, System.currentTimeMillis() / 1000 + 5);
    assertThat(response.path("max_output_tokens").asLong()).isEqualTo(500);
    assertThat(plain.path("outputText").asString()).isNotBlank();
    // max_output_tokens is enforced: the answer stops at the bound and the Response says why.
    JsonNode bounded = out.path("bounded");
    assertThat(bounded.path("status").asString()).isEqualTo("incomplete");
    assertThat(bounded.path("incomplete").path("reason").asString()).isEqualTo("max_output_tokens");
    assertThat(bounded.path("usage").path("output_tokens").asLong()).isBetween(1L, 16L);
    assertThat(bounded.path("outputText").asString()).isNotBlank();
    JsonNode retrieved = out.path("retrieved");
    assertThat(retrieved.path("id").asString()).isEqualTo(response.path("id").asString());
    assertThat(retrieved.path("outputText").asString())
        .isEqualTo(plain.path("outputText").asString());
    assertThat(retrieved.path("metadata").path("case").asString()).isEqualTo("plain");
    assertThat(retrieved.path("instructions").asString()).isEqualTo("Answer plainly.");

    // 4. previous_response_id: the same session.
    JsonNode continued = out.path("continued");
    assertThat(continued.path("status").asString()).isEqualTo("completed");
    assertThat(continued.path("previous").asString()).isEqualTo(response.path("id").asString());
    assertThat(session(continued.path("id").asString(), token))
        .isEqualTo(session(response.path("id").asString(), token));

    // 5. Background: answered at once; the events after the cursor are the whole stream's.
    JsonNode background = out.path("background");
    assertThat(background.path("status").asString()).isIn("queued", "in_progress");
    assertThat(background.path("background").asBoolean()).isTrue();
    JsonNode resumed = out.path("resumed");
    assertThat(resumed.path("tailSequence").get(0).asInt()).isEqualTo(4);
    assertThat(resumed.path("wholeSequence").get(0).asInt()).isZero();
    assertThat(resumed.path("sameAfterCursor").asBoolean()).as(described).isTrue();
    assertThat(resumed.path("polledStatus").asString()).isEqualTo("completed");
    assertThat(resumed.path("polledText").asString())
        .isEqualTo(resumed.path("wholeText").asString());
    assertThat(out.path("helperReplay").path("first").asInt()).isEqualTo(6);
    assertThat(out.path("helperReplay").path("outputText").asString())
        .isEqualTo(resumed.path("wholeText").asString());

    // 6. Cancel: cancelled, idempotent, and a reader's stream ends.
    JsonNode cancel = out.path("cancel");
    assertThat(cancel.path("status").asString()).as(described).isEqualTo("cancelled");
    assertThat(cancel.path("again").asString()).isEqualTo("cancelled");
    assertThat(cancel.path("lastStatus").asString()).isEqualTo("cancelled");

    // 7. A function tool, the client's: the Response completes with the call; the next request's
    // function_call_output (with previous_response_id) answers it, and the run goes on.
    JsonNode tools = out.path("tools");
    List<String> toolTypes =
        tools.path("firstTypes").valueStream().map(JsonNode::asString).toList();
    assertThat(toolTypes)
        .as(described)
        .containsSubsequence(
            "response.created",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed");
    assertThat(toolTypes.getLast()).isEqualTo("response.completed");
    assertThat(tools.path("call").path("name").asString()).isEqualTo("get_weather");
    assertThat(TestApi.JSON.readTree(tools.path("call").path("arguments").asString()))
        .isEqualTo(TestApi.JSON.readTree("{\"city\":\"Paris\"}"));
    assertThat(tools.path("call").path("call_id").asString()).isNotBlank();
    assertThat(tools.path("firstStatus").asString()).isEqualTo("completed");
    assertThat(tools.path("firstOutput").valueStream().map(JsonNode::asString).toList())
        .containsExactly("function_call");
    assertThat(tools.path("retrievedOutput").valueStream().map(JsonNode::asString).toList())
        .containsExactly("function_call");
    assertThat(tools.path("firstTools").get(0).path("name").asString()).isEqualTo("get_weather");
    assertThat(tools.path("secondStatus").asString()).isEqualTo("completed");
    assertThat(tools.path("secondText").asString()).contains("sunny");
    // The answer's Response continues the run: its id names the run and the call it follows.
    assertThat(tools.path("secondId").asString()).startsWith(firstId(tools) + "_");
    assertThat(tools.path("secondPrevious").asString()).isEqualTo(firstId(tools));
    assertThat(tools.path("staleAnswer").path("status").asInt()).isEqualTo(400);

    // 8. Errors as OpenAI sends them.
    JsonNode errors = out.path("errors");
    assertThat(errors.path("unauthenticated").path("status").asInt()).as(described).isEqualTo(401);
    assertThat(errors.path("unauthenticated").path("code").asString()).isEqualTo("invalid_api_key");
    for (String notFound : List.of("missing", "malformedId", "otherOrganisation")) {
      assertThat(errors.path(notFound).path("status").asInt()).as(notFound).isEqualTo(404);
      assertThat(errors.path(notFound).path("type").asString()).isEqualTo("invalid_request_error");
    }
    assertThat(errors.path("badInput").path("status").asInt()).isEqualTo(400);
    assertThat(errors.path("badInput").path("param").asString()).isEqualTo("input");
    assertThat(errors.path("badPrevious").path("status").asInt()).isEqualTo(400);
    assertThat(errors.path("badPrevious").path("param").asString())
        .isEqualTo("previous_response_id");
    assertThat(errors.path("notBackground").path("status").asInt()).isEqualTo(400);
    JsonNode quota = errors.path("quota");
    assertThat(quota.path("status").asInt()).as(quota.toString()).isEqualTo(429);
    assertThat(quota.path("code").asString()).isEqualTo("insufficient_quota");
    assertThat(quota.path("shouldRetry").asString()).isEqualTo("false");
    assertThat(quota.path("calls").asInt()).as("the SDK does not retry it").isEqualTo(1);
  }

  @Test
  void shouldServeTheOfficialPythonPackage() throws Exception {
    Optional<Path> python = pythonWithOpenAi();
    assumeTrue(python.isPresent(), "no python3 that can install openai " + PYTHON_OPENAI);
    ExternalClients.Finished run =
        ExternalClients.run(
            PYTHON_DIR,
            Duration.ofSeconds(90),
            python.get().toString(),
            "openai_responses.py",
            api().base(),
            TestApi.freshToken());
    String described = run.describe();
    assertThat(run.exitCode()).as(described).isZero();
    JsonNode out = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
    // Every event and Response validates against the package's own (pydantic) types.
    assertThat(out.path("invalid").size()).as(described).isZero();
    assertThat(out.path("validated").asInt()).isGreaterThan(10);
    JsonNode streamed = out.path("streamed");
    List<String> types = streamed.path("types").valueStream().map(JsonNode::asString).toList();
    assertThat(types.getFirst()).as(described).isEqualTo("response.created");
    assertThat(types.getLast()).isEqualTo("response.completed");
    assertThat(streamed.path("sequence").valueStream().map(JsonNode::asInt).toList())
        .isEqualTo(IntStream.range(0, types.size()).boxed().toList());
    assertThat(streamed.path("status").asString()).isEqualTo("completed");
    assertThat(streamed.path("text").asString())
        .isEqualTo("Hello from Runstream.")
        .isEqualTo(streamed.path("outputText").asString());
    assertThat(types).contains("response.reasoning_text.delta", "response.reasoning_text.done");
    JsonNode background = out.path("background");
    assertThat(background.path("status").asString()).isIn("queued", "in_progress");
    assertThat(background.path("tailSequence").get(0).asInt()).isEqualTo(3);
    assertThat(background.path("polledStatus").asString()).isEqualTo("completed");
    assertThat(background.path("polledText").asString())
        .isNotBlank()
        .isEqualTo(background.path("tailText").asString());
    assertThat(out.path("tools").path("call").asString()).isEqualTo("get_weather");
    assertThat(out.path("tools").path("firstStatus").asString()).isEqualTo("completed");
    assertThat(out.path("tools").path("status").asString()).isEqualTo("completed");
    assertThat(out.path("tools").path("text").asString()).contains("Oslo");
    assertThat(out.path("cancelled").asString()).isEqualTo("cancelled");
  }

  /**
   * A virtual environment (under {@code target/}) with the official {@code openai} package from the
   * machine's package index (pip's own configuration), made once; empty when it cannot be.
   */
  private static synchronized Optional<Path> pythonWithOpenAi() throws Exception {
    Path venv = Path.of("target", "openai-python").toAbsolutePath();
    Path python = venv.resolve("bin").resolve("python");
    Duration install = Duration.ofMinutes(4);
    if (!Files.isExecutable(python)) {
      Optional<Path> system = ExternalClients.onPath("python3");
      if (system.isEmpty()
          || ExternalClients.run(
                      Path.of("."), install, system.get().toString(), "-m", "venv", venv.toString())
                  .exitCode()
              != 0) {
        return Optional.empty();
      }
    }
    if (ExternalClients.run(Path.of("."), Duration.ofSeconds(30), python.toString(), "-c", CHECK)
            .exitCode()
        == 0) {
      return Optional.of(python);
    }
    ExternalClients.run(
        Path.of("."),
        install,
        python.toString(),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--retries",
        "0",
        "--timeout",
        "10",
        "openai==" + PYTHON_OPENAI);
    return ExternalClients.run(Path.of("."), Duration.ofSeconds(30), python.toString(), "-c", CHECK)
                .exitCode()
            == 0
        ? Optional.of(python)
        : Optional.empty();
  }

  @Test
  void shouldFrameEveryEventAndNothingElse() {
    String token = TestApi.freshToken();
    TestApi.Answer answer = streamed(token, 5);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Type")).startsWith("text/event-stream");
    assertThat(answer.body()).doesNotContain("[DONE]");
    List<String> blocks = blocks(answer.body());
    int sequence = 0;
    for (String block : blocks) {
      List<String> lines = block.lines().toList();
      assertThat(lines).as(block).hasSize(2);
      assertThat(lines.get(0)).startsWith("event: ");
      assertThat(lines.get(1)).startsWith("data: ");
      JsonNode data = TestApi.JSON.readTree(lines.get(1).substring("data: ".length()));
      assertThat(data.path("type").asString()).isEqualTo(lines.get(0).substring(7));
      assertThat(data.path("sequence_number").asInt()).isEqualTo(sequence++);
    }
    assertThat(blocks.getLast()).startsWith("event: response.completed\n");
  }

  /**
   * A node that never held the run: its replay after a cursor comes from the PostgreSQL chunk log
   * (kept as long as the run is retained, not five minutes), with the numbers and payloads the
   * first reader had.
   */
  @Test
  void shouldReplayAfterACursorFromTheChunkLogOnANodeThatNeverHeldTheRun() throws Exception {
    String token = TestApi.freshToken();
    TestApi.Answer first = streamed(token, 40);
    assertThat(first.status()).isEqualTo(200);
    List<String> blocks = blocks(first.body());
    String id =
        TestApi.JSON
            .readTree(blocks.getFirst().lines().toList().get(1).substring("data: ".length()))
            .path("response")
            .path("id")
            .asString();
    try (ConfigurableApplicationContext node = startFanoutNode(Map.of())) {
      TestApi other = new TestApi(((WebServerApplicationContext) node).getWebServer().getPort());
      TestApi.Answer replay =
          other.get("/v1/responses/" + id + "?stream=true&starting_after=3", token);
      assertThat(replay.status()).as(replay.body()).isEqualTo(200);
      assertThat(blocks(replay.body())).isEqualTo(blocks.subList(4, blocks.size()));
    }
  }

  /** A streamed Response of the simulated model, {@code tokens} long, read to its end. */
  private TestApi.Answer streamed(String token, int tokens) {
    return api()
        .post(
            "/v1/responses",
            token,
            "{\"model\":\"simulated/sim-1\",\"input\":\"Hi\",\"stream\":true,"
                + "\"simulation\":{\"output_tokens\":"
                + tokens
                + ",\"tokens_per_second\":0}}");
  }

  /** The SSE blocks of a stream's body. */
  private static List<String> blocks(String body) {
    return List.of(body.split("\n\n")).stream().filter(b -> !b.isEmpty()).toList();
  }

  @Test
  void shouldReadARunOfAnotherFaceAsAResponse() {
    String token = TestApi.freshToken();
    String run =
        api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":\"From the canonical face\","
                    + "\"simulation\":{\"output_tokens\":6,\"tokens_per_second\":0}}")
            .json()
            .path("run_uuid")
            .asString();
    String id = "resp_" + run.replace("-", "");
    TestApi.Answer events =
        api().get("/v1/responses/" + id + "?stream=true&starting_after=1", token);
    assertThat(events.status()).isEqualTo(200);
    assertThat(events.body()).startsWith("event: response.output_item.added\n");
    assertThat(events.body()).contains("event: response.completed\n");
    TestApi.Answer response = api().get("/v1/responses/" + id, token);
    assertThat(response.json().path("status").asString()).isEqualTo("completed");
    assertThat(response.json().path("model").asString()).startsWith("simulated/");
    assertThat(api().get("/v1/responses/" + id, TestApi.freshToken()).status()).isEqualTo(404);
  }

  @Test
  void shouldAnswerEveryErrorInOpenAisShape() {
    String token = TestApi.freshToken();
    for (TestApi.Answer answer :
        List.of(
            api().post("/v1/responses", token, "{not json"),
            api().post("/v1/responses", token, "[]"),
            api().post("/v1/responses", token, "{\"input\":\"x\",\"stream\":\"yes\"}"),
            api().get("/v1/responses/resp_00000000000000000000000000000000?stream=maybe", token),
            api().get("/v1/responses", token),
            api().get("/v1/responses/nope/cancel", token))) {
      assertThat(answer.status()).as(answer.body()).isBetween(400, 499);
      JsonNode error = answer.json().path("error");
      assertThat(error.path("message").isString()).as(answer.body()).isTrue();
      assertThat(error.path("type").isString()).as(answer.body()).isTrue();
      assertThat(error.has("param") && error.has("code")).as(answer.body()).isTrue();
    }
  }

  @Test
  void shouldDocumentTheFaceInItsOwnOpenApiGroup() throws Exception {
    TestApi.Answer document = api().get("/v3/api-docs/responses", null);
    assertThat(document.status()).isEqualTo(200);
    assertThat(document.json().path("paths").has("/v1/responses")).isTrue();
    assertThat(document.json().path("paths").has("/v1/responses/{responseId}")).isTrue();
    assertThat(document.json().path("paths").has("/api/genie/stream-chat")).isFalse();
    // Its contract (openapi/responses.json) names the request, the Response and the error, and real
    // ones validate against the served document.
    String token = TestApi.freshToken();
    String request =
        "{\"model\":\"simulated/sim-1\",\"input\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
            + "\"metadata\":{\"k\":\"v\"},\"simulation\":{\"output_tokens\":3,\"tokens_per_second\":0}}";
    assertThat(validate(document, "CreateResponseRequest", request)).isEmpty();
    assertThat(validate(document, "CreateResponseRequest", "{\"model\":\"m\"}")).isNotEmpty();
    TestApi.Answer created = api().post("/v1/responses", token, request);
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    assertThat(validate(document, "Response", created.body())).as(created.body()).isEmpty();
    TestApi.Answer refused = api().post("/v1/responses", null, request);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(validate(document, "ResponsesError", refused.body())).isEmpty();
  }

  /** Validates {@code json} against a named schema of the served document. */
  private static List<Error> validate(TestApi.Answer document, String schema, String json)
      throws Exception {
    ObjectNode root = TestApi.JSON.createObjectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.put("$ref", "#/components/schemas/" + schema);
    root.set("components", document.json().path("components"));
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(root.toString())
        .validate(TestApi.JSON.readTree(json));
  }

  private static String firstId(JsonNode tools) {
    String second = tools.path("secondId").asString();
    return second.substring(0, second.indexOf('_', "resp_".length()));
  }

  /** The session of a Response's run, as the canonical runs API shows it. */
  private String session(String responseId, String token) {
    String hex = responseId.substring("resp_".length());
    UUID run =
        new UUID(
            Long.parseUnsignedLong(hex.substring(0, 16), 16),
            Long.parseUnsignedLong(hex.substring(16), 16));
    return api().get("/api/v1/runs/" + run, token).json().path("session_uuid").asString();
  }
}
