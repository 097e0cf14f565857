package io.runstream.worker.model.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.model.ModelProviders;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.control.RunStops;
import io.runstream.worker.model.FakeProviderServer;
import io.runstream.worker.model.FakeProviderServer.Response;
import io.runstream.worker.model.LlmRequest;
import io.runstream.worker.model.LlmResult;
import io.runstream.worker.model.LlmStream;
import io.runstream.worker.model.ModelFailure;
import io.runstream.worker.model.StoppableStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The {@code openai} provider against a local server speaking Chat Completions streaming as
 * OpenAI's API reference shows it ({@code chat.completion.chunk} events, {@code
 * stream_options.include_usage}, {@code data: [DONE]}).
 */
class OpenAiProviderTest {
  static FakeProviderServer server;
  static OpenAiProvider provider;

  @BeforeAll
  static void start() throws Exception {
    server = new FakeProviderServer();
    provider =
        new OpenAiProvider(
            "local",
            new ModelProviders.Provider(
                "openai",
                server.base() + "/v1",
                "",
                "m",
                Duration.ofSeconds(5),
                Duration.ofSeconds(20),
                512,
                0));
  }

  @AfterAll
  static void stop() {
    provider.close();
    server.close();
  }

  static String chunk(String delta, String finish) {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}\n\n";
  }

  static final String USAGE =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}\n\n";
  static final String DONE = "data: [DONE]\n\n";

  /** What the provider streamed. */
  static final class Recorded implements LlmStream {
    final List<String> events = new ArrayList<>();

    @Override
    public void text(String delta) {
      events.add("text:" + delta);
    }

    @Override
    public void reasoning(String delta) {
      events.add("reasoning:" + delta);
    }

    @Override
    public void toolInputStart(String toolCallId, String toolName) {
      events.add("tool-start:" + toolCallId + ":" + toolName);
    }

    @Override
    public boolean stopped() {
      return false;
    }
  }

  static LlmRequest request() {
    JsonNode schema =
        EventJson.MAPPER.readTree(
            "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"}},\"required\":[\"key\"]}");
    return new LlmRequest(
        "m",
        "Be brief.",
        List.of(
            new RunRequested.HistoryEntry("user", "Hi"),
            new RunRequested.HistoryEntry("assistant", "Hello!")),
        "What is my name?",
        null,
        List.of(new LlmRequest.ToolDefinition("memory.retrieve", "Recall", schema)),
        List.of(),
        null);
  }

  @Test
  void shouldStreamTextReasoningAToolCallSplitAcrossChunksAndUsage() {
    server.answer(
        body ->
            Response.events(
                chunk(
                    "{\"role\":\"assistant\",\"content\":\"\",\"reasoning_content\":\"Look it up.\"}",
                    null),
                chunk("{\"content\":\"Let me check\"}", null),
                chunk("{\"content\":\".\"}", null),
                chunk(
                    "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"memory_retrieve\",\"arguments\":\"\"}}]}",
                    null),
                chunk(
                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"key\\\":\"}}]}",
                    null),
                chunk(
                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"name\\\"}\"}}]}",
                    null),
                chunk("{}", "tool_calls"),
                USAGE,
                DONE));
    Recorded out = new Recorded();
    LlmResult result = provider.stream(request(), out);

    assertThat(out.events)
        .containsExactly(
            "reasoning:Look it up.",
            "text:Let me check",
            "text:.",
            "tool-start:call_1:memory.retrieve");
    assertThat(result.finishReason()).isEqualTo("tool-calls");
    assertThat(result.inputTokens()).isEqualTo(12);
    assertThat(result.outputTokens()).isEqualTo(7);
    assertThat(result.toolCalls()).hasSize(1);
    assertThat(result.toolCalls().getFirst().id()).isEqualTo("call_1");
    assertThat(result.toolCalls().getFirst().name())
        .as("mapped back to the run's name")
        .isEqualTo("memory.retrieve");
    assertThat(result.toolCalls().getFirst().input().path("key").asString()).isEqualTo("name");

    JsonNode sent = EventJson.MAPPER.readTree(server.requests().getLast());
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(sent.path("model").asString()).isEqualTo("m");
    assertThat(sent.path("messages").valueStream().map(m -> m.path("role").asString()))
        .containsExactly("system", "user", "assistant", "user");
    assertThat(sent.path("tools").get(0).path("function").path("name").asString())
        .isEqualTo("memory_retrieve");
    assertThat(
            sent.path("tools")
                .get(0)
                .path("function")
                .path("parameters")
                .path("required")
                .get(0)
                .asString())
        .isEqualTo("key");
  }

  @Test
  void shouldSendTheEarlierStepsToolCallsAndResultsInTheNextStep() {
    server.answer(
        body ->
            Response.events(
                chunk("{\"content\":\"Alex\"}", null), chunk("{}", "stop"), USAGE, DONE));
    LlmRequest next =
        request()
            .next(
                new LlmRequest.Step(
                    "Let me check.",
                    List.of(
                        new LlmRequest.ToolCall(
                            "call_1",
                            "memory.retrieve",
                            EventJson.MAPPER.readTree("{\"key\":\"name\"}"))),
                    List.of(
                        new LlmRequest.ToolOutcome(
                            "call_1", EventJson.MAPPER.readTree("{\"value\":\"Alex\"}"), null))));
    LlmResult result = provider.stream(next, new Recorded());
    assertThat(result.finishReason()).isEqualTo("stop");
    assertThat(result.toolCalls()).isEmpty();
    JsonNode messages = EventJson.MAPPER.readTree(server.requests().getLast()).path("messages");
    JsonNode assistant = messages.get(4);
    assertThat(assistant.path("role").asString()).isEqualTo("assistant");
    assertThat(assistant.path("tool_calls").get(0).path("function").path("name").asString())
        .isEqualTo("memory_retrieve");
    assertThat(assistant.path("tool_calls").get(0).path("function").path("arguments").asString())
        .isEqualTo("{\"key\":\"name\"}");
    JsonNode tool = messages.get(5);
    assertThat(tool.path("role").asString()).isEqualTo("tool");
    assertThat(tool.path("tool_call_id").asString()).isEqualTo("call_1");
    assertThat(tool.path("content").asString()).isEqualTo("{\"value\":\"Alex\"}");
  }

  @Test
  void shouldBoundTheCallByWhatIsLeftOfTheRunsOutputTokensAndSendTheSamplingSettings() {
    server.answer(
        body -> Response.events(chunk("{\"content\":\"Al\"}", null), chunk("{}", "length"), DONE));
    LlmRequest settled =
        new LlmRequest(
            "m",
            null,
            List.of(),
            "Say a lot",
            null,
            List.of(),
            List.of(),
            EventJson.MAPPER.readTree(
                "{\"temperature\":0.3,\"top_p\":0.9,\"max_output_tokens\":100}"));
    LlmResult result = provider.stream(settled.capped(40), new Recorded());
    assertThat(result.finishReason()).isEqualTo("length");
    JsonNode sent = EventJson.MAPPER.readTree(server.requests().getLast());
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(40);
    assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);

    // A bound above the provider's configured one leaves the configured one.
    provider.stream(settled, new Recorded());
    assertThat(EventJson.MAPPER.readTree(server.requests().getLast()).path("max_tokens").asInt())
        .isEqualTo(100);
    provider.stream(settled.capped(5_000), new Recorded());
    assertThat(EventJson.MAPPER.readTree(server.requests().getLast()).path("max_tokens").asInt())
        .isEqualTo(512);
  }

  @Test
  void shouldClassifyFailuresAsRetriableOrPermanent() {
    server.answer(
        body ->
            Response.status(
                429,
                "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}",
                "Retry-After",
                "7"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.retryable()).isTrue();
              assertThat(f.code()).isEqualTo("provider_rate_limited");
              assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            });
    server.answer(body -> Response.status(503, "{\"error\":{\"message\":\"busy\"}}"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(ModelFailure.class, f -> assertThat(f.retryable()).isTrue());
    server.answer(body -> Response.status(401, "{\"error\":{\"message\":\"bad key\"}}"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.retryable()).isFalse();
              assertThat(f.code()).isEqualTo("provider_auth");
            });
    server.answer(body -> Response.status(400, "{\"error\":{\"message\":\"no such model\"}}"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(ModelFailure.class, f -> assertThat(f.retryable()).isFalse());
  }

  @Test
  void shouldFailACutStreamAMalformedEventAndAnErrorEvent() {
    server.answer(body -> Response.cut(chunk("{\"content\":\"Half\"}", null)));
    Recorded out = new Recorded();
    assertThatThrownBy(() -> provider.stream(request(), out))
        .isInstanceOfSatisfying(
            ModelFailure.class, f -> assertThat(f.code()).isEqualTo("provider_stream_cut"));
    assertThat(out.events).containsExactly("text:Half");
    server.answer(
        body -> Response.events(chunk("{\"content\":\"ok\"}", null), "data: {not json\n\n"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo("provider_malformed");
              assertThat(f.retryable()).isFalse();
            });
    server.answer(
        body ->
            Response.events(
                "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo("provider_error");
              assertThat(f.getMessage()).contains("overloaded");
            });
  }

  @Test
  void shouldEndTheStepAtOnceWhenTheRunIsStoppedWhileTheProviderStalls() throws Exception {
    // The server sends one token, then nothing (its connection open); the read timeout is 20 s.
    server.answer(body -> Response.stall(chunk("{\"content\":\"Thinking\"}", null)));
    StoppableStream out = new StoppableStream();
    CompletableFuture<LlmResult> step = out.start(provider, request());
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> out.events.contains("text:Thinking"));

    out.stop.end(RunStops.Kind.STOPPED, "stopped by the user");
    // A functional bound: the stop cuts the blocked read (the stall would hold it 20 s, until the
    // read timeout).
    LlmResult result = step.get(3, TimeUnit.SECONDS);
    assertThat(result.finishReason()).isEqualTo("stop");
    assertThat(result.toolCalls()).isEmpty();
    assertThat(out.events).containsExactly("text:Thinking");
    assertThat(out.interruptedAfter).as("the stop's interrupt is cleared").isFalse();
  }

  @Test
  void shouldShowTheProvidersErrorWithoutTheOperatorsAccountDetails() {
    server.answer(
        body ->
            Response.status(
                401,
                "{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-********"
                    + "************abcd. You can find your API key at https://platform.openai.com/account/api-keys.\","
                    + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo("provider_auth");
              assertThat(f.getMessage())
                  .startsWith("The model provider refused the credentials: ")
                  .contains("Incorrect API key provided: [API key]")
                  .doesNotContain("abcd")
                  .doesNotContain("sk-");
            });
    server.answer(
        body ->
            Response.status(
                429,
                "{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization "
                    + "org-AbCdEf123456 on tokens per min (TPM): Limit 30000, Used 29980. Project proj_Q1w2E3r4T5y6, contact "
                    + "billing-owner@acme-corp.com.\",\"type\":\"tokens\"}}",
                "Retry-After",
                "0"));
    assertThatThrownBy(() -> provider.stream(request(), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f ->
                assertThat(f.getMessage())
                    .contains(
                        "Rate limit reached for gpt-4o in organization [organization] on tokens per min (TPM): Limit 30000")
                    .contains("Project [project], contact [email].")
                    .doesNotContain("org-AbCdEf123456")
                    .doesNotContain("proj_Q1w2")
                    .doesNotContain("acme-corp"));
  }

  @Test
  void shouldNotNameTheProvidersAddressWhenItCannotBeReached() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    OpenAiProvider unreachable =
        new OpenAiProvider(
            "down",
            new ModelProviders.Provider(
                "openai",
                "http://127.0.0.1:" + port + "/v1",
                "",
                "m",
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                512,
                0));
    try {
      assertThatThrownBy(() -> unreachable.stream(request(), new Recorded()))
          .isInstanceOfSatisfying(
              ModelFailure.class,
              f -> {
                assertThat(f.code()).isEqualTo("provider_connection");
                assertThat(f.getMessage())
                    .startsWith("The connection to the model provider failed (")
                    .doesNotContain("127.0.0.1")
                    .doesNotContain(Integer.toString(port));
              });
    } finally {
      unreachable.close();
    }
  }
}
