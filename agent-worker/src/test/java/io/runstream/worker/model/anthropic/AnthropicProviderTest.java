package io.runstream.worker.model.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.model.ModelProviders;
import io.runstream.schemas.EventJson;
import io.runstream.worker.control.RunStops;
import io.runstream.worker.model.FakeProviderServer;
import io.runstream.worker.model.FakeProviderServer.Response;
import io.runstream.worker.model.LlmRequest;
import io.runstream.worker.model.LlmResult;
import io.runstream.worker.model.LlmStream;
import io.runstream.worker.model.ModelFailure;
import io.runstream.worker.model.StoppableStream;
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
 * The {@code anthropic} provider against a local server speaking the Messages API's streaming
 * events as Anthropic's API reference shows them: {@code message_start}, {@code content_block_*}
 * with {@code text_delta}, {@code thinking_delta}, {@code signature_delta} and {@code
 * input_json_delta}, {@code ping}, {@code message_delta} usage, {@code message_stop}, and {@code
 * error}.
 */
class AnthropicProviderTest {
  static FakeProviderServer server;
  static AnthropicProvider provider;

  @BeforeAll
  static void start() throws Exception {
    server = new FakeProviderServer();
    provider =
        new AnthropicProvider(
            "claude",
            new ModelProviders.Provider(
                "anthropic",
                server.base(),
                "key",
                "claude-x",
                Duration.ofSeconds(5),
                Duration.ofSeconds(20),
                1024,
                0));
  }

  @AfterAll
  static void stop() {
    provider.close();
    server.close();
  }

  static String event(String json) {
    String type = EventJson.MAPPER.readTree(json).path("type").asString();
    return "event: " + type + "\ndata: " + json + "\n\n";
  }

  static final String START =
      event(
          "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
              + "\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"output_tokens\":1}}}");

  static String delta(int index, String delta) {
    return event(
        "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
  }

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

  static LlmRequest request(JsonNode settings) {
    JsonNode schema =
        EventJson.MAPPER.readTree(
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
    return new LlmRequest(
        "claude-x",
        "Be brief.",
        List.of(),
        "Weather in Paris?",
        null,
        List.of(new LlmRequest.ToolDefinition("weather.now", "Current weather", schema)),
        List.of(),
        settings);
  }

  @Test
  void shouldStreamThinkingTextAToolCallFromInputJsonDeltasAndUsage() {
    server.answer(
        body ->
            Response.events(
                START,
                event(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"),
                delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Call the tool.\"}"),
                delta(0, "{\"type\":\"signature_delta\",\"signature\":\"sig-1\"}"),
                event("{\"type\":\"content_block_stop\",\"index\":0}"),
                event(
                    "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                "event: ping\ndata: {\"type\": \"ping\"}\n\n",
                delta(1, "{\"type\":\"text_delta\",\"text\":\"Let me check \"}"),
                delta(1, "{\"type\":\"text_delta\",\"text\":\"the weather.\"}"),
                event("{\"type\":\"content_block_stop\",\"index\":1}"),
                event(
                    "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"weather_now\",\"input\":{}}}"),
                delta(2, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"),
                delta(
                    2,
                    "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Par\"}"),
                delta(2, "{\"type\":\"input_json_delta\",\"partial_json\":\"is\\\"}\"}"),
                event("{\"type\":\"content_block_stop\",\"index\":2}"),
                event(
                    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}"),
                event("{\"type\":\"message_stop\"}")));
    Recorded out = new Recorded();
    LlmResult result =
        provider.stream(
            request(EventJson.MAPPER.readTree("{\"thinking\":{\"budget_tokens\":2048}}")), out);

    assertThat(out.events)
        .containsExactly(
            "reasoning:Call the tool.",
            "text:Let me check ",
            "text:the weather.",
            "tool-start:toolu_01:weather.now");
    assertThat(result.finishReason()).isEqualTo("tool-calls");
    assertThat(result.inputTokens()).isEqualTo(472);
    assertThat(result.outputTokens()).isEqualTo(89);
    assertThat(result.reasoningSignature()).isEqualTo("sig-1");
    assertThat(result.toolCalls())
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.id()).isEqualTo("toolu_01");
              assertThat(call.name()).isEqualTo("weather.now");
              assertThat(call.input().path("city").asString()).isEqualTo("Paris");
            });
    JsonNode sent = EventJson.MAPPER.readTree(server.requests().getLast());
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("system").asString()).isEqualTo("Be brief.");
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(1024);
    assertThat(sent.path("thinking").path("budget_tokens").asLong()).isEqualTo(2048);
    assertThat(sent.path("tools").get(0).path("name").asString()).isEqualTo("weather_now");
    assertThat(sent.path("tools").get(0).path("input_schema").path("required").get(0).asString())
        .isEqualTo("city");
  }

  @Test
  void shouldReplayTheStepWithItsThinkingToolUseAndToolResult() {
    server.answer(
        body ->
            Response.events(
                START,
                event(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                delta(0, "{\"type\":\"text_delta\",\"text\":\"Sunny.\"}"),
                event("{\"type\":\"content_block_stop\",\"index\":0}"),
                event(
                    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}"),
                event("{\"type\":\"message_stop\"}")));
    LlmRequest next =
        request(null)
            .next(
                new LlmRequest.Step(
                    "Let me check.",
                    List.of(
                        new LlmRequest.ToolCall(
                            "toolu_01",
                            "weather.now",
                            EventJson.MAPPER.readTree("{\"city\":\"Paris\"}"))),
                    List.of(new LlmRequest.ToolOutcome("toolu_01", null, "no data")),
                    "Call the tool.",
                    "sig-1"));
    LlmResult result = provider.stream(next, new Recorded());
    assertThat(result.finishReason()).isEqualTo("stop");
    JsonNode messages = EventJson.MAPPER.readTree(server.requests().getLast()).path("messages");
    JsonNode assistant = messages.get(1).path("content");
    assertThat(assistant.get(0).path("type").asString()).isEqualTo("thinking");
    assertThat(assistant.get(0).path("signature").asString()).isEqualTo("sig-1");
    assertThat(assistant.get(2).path("type").asString()).isEqualTo("tool_use");
    assertThat(assistant.get(2).path("name").asString()).isEqualTo("weather_now");
    JsonNode result0 = messages.get(2).path("content").get(0);
    assertThat(result0.path("type").asString()).isEqualTo("tool_result");
    assertThat(result0.path("tool_use_id").asString()).isEqualTo("toolu_01");
    assertThat(result0.path("is_error").asBoolean()).isTrue();
  }

  @Test
  void shouldClassifyHttpErrorsAnErrorEventMidStreamAndACutStream() {
    server.answer(
        body ->
            Response.status(
                429,
                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}",
                "retry-after",
                "7"));
    assertThatThrownBy(() -> provider.stream(request(null), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.retryable()).isTrue();
              assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            });
    server.answer(
        body ->
            Response.status(
                529,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    assertThatThrownBy(() -> provider.stream(request(null), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class, f -> assertThat(f.code()).isEqualTo("provider_overloaded"));
    server.answer(
        body ->
            Response.status(
                400,
                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad\"}}"));
    assertThatThrownBy(() -> provider.stream(request(null), new Recorded()))
        .isInstanceOfSatisfying(ModelFailure.class, f -> assertThat(f.retryable()).isFalse());

    server.answer(
        body ->
            Response.events(
                START,
                event(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                delta(0, "{\"type\":\"text_delta\",\"text\":\"Hel\"}"),
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));
    Recorded out = new Recorded();
    assertThatThrownBy(() -> provider.stream(request(null), out))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo("provider_overloaded_error");
              assertThat(f.retryable()).isTrue();
            });
    assertThat(out.events).containsExactly("text:Hel");

    server.answer(
        body ->
            Response.cut(
                START,
                event(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                delta(0, "{\"type\":\"text_delta\",\"text\":\"Half\"}")));
    assertThatThrownBy(() -> provider.stream(request(null), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class, f -> assertThat(f.code()).isEqualTo("provider_stream_cut"));
  }

  @Test
  void shouldEndTheStepAtOnceWhenTheRunIsStoppedWhileTheProviderStalls() throws Exception {
    server.answer(
        body ->
            Response.stall(
                START,
                event(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                delta(0, "{\"type\":\"text_delta\",\"text\":\"Thinking\"}")));
    StoppableStream out = new StoppableStream();
    CompletableFuture<LlmResult> step = out.start(provider, request(null));
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> out.events.contains("text:Thinking"));

    out.stop.end(RunStops.Kind.STOPPED, "stopped by the user");
    LlmResult result = step.get(3, TimeUnit.SECONDS);
    assertThat(result.finishReason()).isEqualTo("stop");
    assertThat(result.inputTokens()).as("what the stream reported before the stall").isPositive();
    assertThat(out.events).containsExactly("text:Thinking");
    assertThat(out.interruptedAfter).isFalse();
  }

  @Test
  void shouldShowTheProvidersErrorWithoutTheOperatorsAccountDetails() {
    server.answer(
        body ->
            Response.status(
                403,
                "{\"type\":\"error\",\"error\":{\"type\":\"permission_error\","
                    + "\"message\":\"The API key sk-ant-api03-AbC...xYz9 of ops@acme-corp.com may not use this model\"}}"));
    assertThatThrownBy(() -> provider.stream(request(null), new Recorded()))
        .isInstanceOfSatisfying(
            ModelFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo("provider_auth");
              assertThat(f.getMessage())
                  .contains("The API key [API key] of [email] may not use this model")
                  .doesNotContain("sk-ant")
                  .doesNotContain("xYz9")
                  .doesNotContain("acme-corp");
            });
  }
}
