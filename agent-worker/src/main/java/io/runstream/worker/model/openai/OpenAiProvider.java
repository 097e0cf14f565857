package io.runstream.worker.model.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonField;
import com.openai.core.JsonValue;
import com.openai.core.Timeout;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.runstream.core.model.ModelProviders;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.model.Images;
import io.runstream.worker.model.LlmProvider;
import io.runstream.worker.model.LlmRequest;
import io.runstream.worker.model.LlmResult;
import io.runstream.worker.model.LlmStream;
import io.runstream.worker.model.ModelFailure;
import io.runstream.worker.model.PendingToolCall;
import io.runstream.worker.model.ProviderFailures;
import io.runstream.worker.model.ToolNames;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * A provider of type {@code openai}: Chat Completions streamed with {@code
 * stream_options.include_usage}, through the official {@code openai-java} SDK, so the same class
 * serves OpenAI and every server that speaks its API (Ollama, vLLM, llama.cpp, LM Studio: set
 * {@code base-url}). Text, reasoning ({@code reasoning_content} or {@code reasoning} deltas, as
 * DeepSeek, vLLM and Ollama send them), tool calls assembled from their argument fragments, usage.
 * The SDK's own retries are off: {@link io.runstream.worker.loop.AgentLoop} retries what {@link
 * ProviderFailures} calls retriable, before the first token only.
 */
public final class OpenAiProvider implements LlmProvider {
  private static final List<String> REASONING_KEYS = List.of("reasoning_content", "reasoning");

  private final String name;
  private final ModelProviders.Provider config;
  private final OpenAIClient client;

  public OpenAiProvider(String name, ModelProviders.Provider config) {
    this.name = name;
    this.config = config;
    OpenAIOkHttpClient.Builder builder =
        OpenAIOkHttpClient.builder()
            // Local servers need no key, but the SDK requires one.
            .apiKey(config.apiKey().isBlank() ? "none" : config.apiKey())
            .maxRetries(0)
            .timeout(
                Timeout.builder()
                    .connect(config.connectTimeout())
                    .read(config.timeout())
                    .request(config.timeout())
                    .build());
    if (!config.baseUrl().isBlank()) {
      builder.baseUrl(config.baseUrl());
    }
    this.client = builder.build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public LlmResult stream(LlmRequest request, LlmStream out) {
    ToolNames names = new ToolNames(request.tools());
    ChatCompletionCreateParams params = params(request, names);
    Map<Long, PendingToolCall> calls = new TreeMap<>();
    long inputTokens = 0;
    long outputTokens = 0;
    String finish = null;
    // The response and every next event are read through out.blocking: a stop cuts a provider that
    // stalls.
    try (StreamResponse<ChatCompletionChunk> response =
        out.blocking(() -> client.chat().completions().createStreaming(params))) {
      Iterator<ChatCompletionChunk> chunks = response.stream().iterator();
      while (!out.stopped()) {
        ChatCompletionChunk chunk = out.blocking(() -> chunks.hasNext() ? chunks.next() : null);
        if (chunk == null) {
          break;
        }
        if (chunk.usage().isPresent()) {
          inputTokens = chunk.usage().get().promptTokens();
          outputTokens = chunk.usage().get().completionTokens();
        }
        for (ChatCompletionChunk.Choice choice : chunk.choices()) {
          ChatCompletionChunk.Choice.Delta delta = choice.delta();
          for (String key : REASONING_KEYS) {
            JsonField<?> reasoning = delta._allProperties().get(key);
            if (reasoning != null) {
              reasoning.asString().filter(s -> !s.isEmpty()).ifPresent(out::reasoning);
            }
          }
          delta.content().filter(s -> !s.isEmpty()).ifPresent(out::text);
          int position = 0;
          for (ChatCompletionChunk.Choice.Delta.ToolCall call :
              delta.toolCalls().orElse(List.of())) {
            long index = call._index().asKnown().orElse((long) position++);
            PendingToolCall pending = calls.computeIfAbsent(index, i -> new PendingToolCall());
            pending.add(
                call.id().orElse(null),
                call.function().flatMap(f -> f.name()).orElse(null),
                call.function().flatMap(f -> f.arguments()).orElse(null));
            if (pending.startable()) {
              out.toolInputStart(pending.id(), names.run(pending.name()));
            }
          }
          if (choice.finishReason().isPresent()) {
            finish = choice.finishReason().get().asString();
          }
        }
      }
    } catch (RuntimeException e) {
      if (out.stopped()) {
        // The stop cut the read: the step ends with what it streamed so far.
        return new LlmResult("stop", inputTokens, outputTokens, List.of());
      }
      throw failure(e);
    }
    if (finish == null && !out.stopped()) {
      throw ProviderFailures.cut();
    }
    List<LlmRequest.ToolCall> toolCalls =
        PendingToolCall.completeAll(calls.values(), names, "call_");
    String reason =
        !toolCalls.isEmpty() ? "tool-calls" : "length".equals(finish) ? "length" : "stop";
    return new LlmResult(reason, inputTokens, outputTokens, toolCalls);
  }

  private ChatCompletionCreateParams params(LlmRequest request, ToolNames names) {
    ChatCompletionCreateParams.Builder params =
        ChatCompletionCreateParams.builder()
            .model(request.modelId())
            .maxTokens(request.maxTokens(config.maxTokens()))
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
    if (request.instructions() != null && !request.instructions().isBlank()) {
      params.addSystemMessage(request.instructions());
    }
    for (RunRequested.HistoryEntry entry : request.history()) {
      switch (entry.role()) {
        case "assistant" -> params.addAssistantMessage(entry.content());
        case "system" -> params.addSystemMessage(entry.content());
        default -> params.addUserMessage(entry.content());
      }
    }
    if (request.images().isEmpty()) {
      params.addUserMessage(request.prompt());
    } else {
      List<ChatCompletionContentPart> parts = new ArrayList<>();
      parts.add(
          ChatCompletionContentPart.ofText(
              ChatCompletionContentPartText.builder().text(request.prompt()).build()));
      for (RunRequested.ImageRef image : request.images()) {
        parts.add(
            ChatCompletionContentPart.ofImageUrl(
                ChatCompletionContentPartImage.builder()
                    .imageUrl(
                        ChatCompletionContentPartImage.ImageUrl.builder()
                            .url(Images.url(image))
                            .build())
                    .build()));
      }
      params.addUserMessageOfArrayOfContentParts(parts);
    }
    for (LlmRequest.Step step : request.steps()) {
      ChatCompletionAssistantMessageParam.Builder assistant =
          ChatCompletionAssistantMessageParam.builder();
      if (!step.text().isEmpty()) {
        assistant.content(step.text());
      }
      for (LlmRequest.ToolCall call : step.calls()) {
        assistant.addToolCall(
            ChatCompletionMessageFunctionToolCall.builder()
                .id(call.id())
                .function(
                    ChatCompletionMessageFunctionToolCall.Function.builder()
                        .name(names.provider(call.name()))
                        .arguments(EventJson.MAPPER.writeValueAsString(call.input()))
                        .build())
                .build());
      }
      params.addMessage(assistant.build());
      for (LlmRequest.ToolOutcome outcome : step.outcomes()) {
        params.addMessage(
            ChatCompletionToolMessageParam.builder()
                .toolCallId(outcome.id())
                .content(ProviderFailures.resultText(outcome))
                .build());
      }
    }
    for (LlmRequest.ToolDefinition tool : request.tools()) {
      Map<String, JsonValue> schema = new LinkedHashMap<>();
      schemaMap(tool.inputSchema()).forEach((key, value) -> schema.put(key, JsonValue.from(value)));
      FunctionDefinition.Builder function =
          FunctionDefinition.builder()
              .name(names.provider(tool.name()))
              .parameters(FunctionParameters.builder().putAllAdditionalProperties(schema).build());
      if (tool.description() != null) {
        function.description(tool.description());
      }
      params.addFunctionTool(function.build());
    }
    JsonNode settings = request.settings();
    if (settings != null && settings.path("temperature").isNumber()) {
      params.temperature(settings.path("temperature").asDouble());
    }
    if (settings != null && settings.path("top_p").isNumber()) {
      params.topP(settings.path("top_p").asDouble());
    }
    return params.build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> schemaMap(JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      return Map.of("type", "object", "properties", Map.of());
    }
    return EventJson.MAPPER.convertValue(schema, Map.class);
  }

  /** The SDK's exceptions as Runstream's failures, retriable or permanent. */
  static ModelFailure failure(RuntimeException e) {
    if (e instanceof ModelFailure failure) {
      return failure;
    }
    if (e instanceof RateLimitException limited) {
      return ProviderFailures.failure(
          "provider_rate_limited",
          "The model provider is rate limiting: ",
          limited.getMessage(),
          true,
          ProviderFailures.retryAfter(
              limited.headers().values("retry-after-ms"), limited.headers().values("Retry-After")));
    }
    if (e instanceof InternalServerException server) {
      return ProviderFailures.failure(
          "provider_unavailable", "The model provider failed: ", server.getMessage(), true, null);
    }
    if (e instanceof UnauthorizedException || e instanceof PermissionDeniedException) {
      return ProviderFailures.failure(
          "provider_auth",
          "The model provider refused the credentials: ",
          e.getMessage(),
          false,
          null);
    }
    if (e instanceof SseException sse) {
      return ProviderFailures.failure(
          "provider_error", "The model provider reported an error: ", sse.getMessage(), true, null);
    }
    if (e instanceof OpenAIServiceException service) {
      return ProviderFailures.failure(
          "provider_rejected",
          "The model provider rejected the request: ",
          service.getMessage(),
          false,
          null);
    }
    if (e instanceof OpenAIIoException io) {
      return ProviderFailures.connection(io);
    }
    if (e instanceof OpenAIInvalidDataException) {
      return new ModelFailure(
          "provider_malformed", "The model provider sent a malformed stream.", false);
    }
    return new ModelFailure(
        "model_error", "The model failed: " + e.getClass().getSimpleName(), true);
  }

  @Override
  public void close() {
    client.close();
  }
}
