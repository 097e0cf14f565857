package io.runstream.worker.model.anthropic;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.Timeout;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicInvalidDataException;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.ImageBlockParam;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawContentBlockDelta;
import com.anthropic.models.messages.RawContentBlockStartEvent;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.ThinkingBlockParam;
import com.anthropic.models.messages.ThinkingConfigEnabled;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlockParam;
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
 * A provider of type {@code anthropic}: the Messages API streamed through the official {@code
 * anthropic-java} SDK. Text ({@code text_delta}), extended thinking ({@code thinking_delta}, with
 * its signature kept to replay the step) when {@code settings.thinking.budget_tokens} asks for it,
 * tool calls assembled from {@code input_json_delta}, usage from {@code message_start} and {@code
 * message_delta}; an {@code error} event mid-stream is a failure. The SDK's own retries are off
 * (the agent loop retries retriable failures before the first token).
 */
public final class AnthropicProvider implements LlmProvider {
  private final String name;
  private final ModelProviders.Provider config;
  private final AnthropicClient client;

  public AnthropicProvider(String name, ModelProviders.Provider config) {
    this.name = name;
    this.config = config;
    AnthropicOkHttpClient.Builder builder =
        AnthropicOkHttpClient.builder()
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
    MessageCreateParams params = params(request, names);
    Map<Long, PendingToolCall> calls = new TreeMap<>();
    StringBuilder signature = new StringBuilder();
    long inputTokens = 0;
    long outputTokens = 0;
    String stop = null;
    // The response and every next event are read through out.blocking: a stop cuts a provider that
    // stalls.
    try (StreamResponse<RawMessageStreamEvent> response =
        out.blocking(() -> client.messages().createStreaming(params))) {
      Iterator<RawMessageStreamEvent> events = response.stream().iterator();
      while (!out.stopped()) {
        RawMessageStreamEvent event = out.blocking(() -> events.hasNext() ? events.next() : null);
        if (event == null) {
          break;
        }
        if (event.isMessageStart()) {
          inputTokens = event.asMessageStart().message().usage().inputTokens();
        } else if (event.isContentBlockStart()) {
          RawContentBlockStartEvent start = event.asContentBlockStart();
          RawContentBlockStartEvent.ContentBlock block = start.contentBlock();
          if (block.isToolUse()) {
            PendingToolCall pending =
                new PendingToolCall(block.asToolUse().id(), block.asToolUse().name());
            calls.put(start.index(), pending);
            if (pending.startable()) {
              out.toolInputStart(pending.id(), names.run(pending.name()));
            }
          }
        } else if (event.isContentBlockDelta()) {
          RawContentBlockDelta delta = event.asContentBlockDelta().delta();
          if (delta.isText()) {
            String text = delta.asText().text();
            if (!text.isEmpty()) {
              out.text(text);
            }
          } else if (delta.isThinking()) {
            String thinking = delta.asThinking().thinking();
            if (!thinking.isEmpty()) {
              out.reasoning(thinking);
            }
          } else if (delta.isSignature()) {
            signature.append(delta.asSignature().signature());
          } else if (delta.isInputJson()) {
            PendingToolCall call = calls.get(event.asContentBlockDelta().index());
            if (call != null) {
              call.add(null, null, delta.asInputJson().partialJson());
            }
          }
        } else if (event.isMessageDelta()) {
          outputTokens = event.asMessageDelta().usage().outputTokens();
          if (event.asMessageDelta().delta().stopReason().isPresent()) {
            stop = event.asMessageDelta().delta().stopReason().get().asString();
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
    if (stop == null && !out.stopped()) {
      throw ProviderFailures.cut();
    }
    List<LlmRequest.ToolCall> toolCalls =
        PendingToolCall.completeAll(calls.values(), names, "toolu_");
    String reason =
        !toolCalls.isEmpty() ? "tool-calls" : "max_tokens".equals(stop) ? "length" : "stop";
    return new LlmResult(
        reason,
        inputTokens,
        outputTokens,
        toolCalls,
        signature.isEmpty() ? null : signature.toString());
  }

  private MessageCreateParams params(LlmRequest request, ToolNames names) {
    MessageCreateParams.Builder params =
        MessageCreateParams.builder()
            .model(request.modelId())
            .maxTokens(request.maxTokens(config.maxTokens()));
    StringBuilder system =
        new StringBuilder(request.instructions() == null ? "" : request.instructions());
    for (RunRequested.HistoryEntry entry : request.history()) {
      switch (entry.role()) {
        case "assistant" -> params.addAssistantMessage(entry.content());
        case "system" -> system.append(system.isEmpty() ? "" : "\n\n").append(entry.content());
        default -> params.addUserMessage(entry.content());
      }
    }
    if (!system.isEmpty()) {
      params.system(system.toString());
    }
    if (request.images().isEmpty()) {
      params.addUserMessage(request.prompt());
    } else {
      List<ContentBlockParam> blocks = new ArrayList<>();
      for (RunRequested.ImageRef image : request.images()) {
        Images.Inline inline = Images.inline(image);
        blocks.add(
            ContentBlockParam.ofImage(
                inline == null
                    ? ImageBlockParam.builder().urlSource(image.url()).build()
                    : ImageBlockParam.builder()
                        .source(
                            Base64ImageSource.builder()
                                .data(inline.base64())
                                .mediaType(Base64ImageSource.MediaType.of(inline.mediaType()))
                                .build())
                        .build()));
      }
      // Anthropic's advice: images before the text that refers to them.
      blocks.add(ContentBlockParam.ofText(request.prompt()));
      params.addUserMessageOfContentBlockParams(blocks);
    }
    for (LlmRequest.Step step : request.steps()) {
      List<ContentBlockParam> assistant = new ArrayList<>();
      if (step.reasoningSignature() != null) {
        assistant.add(
            ContentBlockParam.ofThinking(
                ThinkingBlockParam.builder()
                    .thinking(step.reasoning())
                    .signature(step.reasoningSignature())
                    .build()));
      }
      if (!step.text().isEmpty()) {
        assistant.add(ContentBlockParam.ofText(TextBlockParam.builder().text(step.text()).build()));
      }
      for (LlmRequest.ToolCall call : step.calls()) {
        Map<String, JsonValue> input = new LinkedHashMap<>();
        map(call.input()).forEach((key, value) -> input.put(key, JsonValue.from(value)));
        assistant.add(
            ContentBlockParam.ofToolUse(
                ToolUseBlockParam.builder()
                    .id(call.id())
                    .name(names.provider(call.name()))
                    .input(
                        ToolUseBlockParam.Input.builder().putAllAdditionalProperties(input).build())
                    .build()));
      }
      params.addAssistantMessageOfContentBlockParams(assistant);
      List<ContentBlockParam> results = new ArrayList<>();
      for (LlmRequest.ToolOutcome outcome : step.outcomes()) {
        results.add(
            ContentBlockParam.ofToolResult(
                ToolResultBlockParam.builder()
                    .toolUseId(outcome.id())
                    .content(ProviderFailures.resultText(outcome))
                    .isError(outcome.error() != null)
                    .build()));
      }
      params.addUserMessageOfContentBlockParams(results);
    }
    for (LlmRequest.ToolDefinition tool : request.tools()) {
      Tool.Builder definition =
          Tool.builder()
              .name(names.provider(tool.name()))
              .inputSchema(
                  JsonValue.from(schema(tool.inputSchema())).convert(Tool.InputSchema.class));
      if (tool.description() != null) {
        definition.description(tool.description());
      }
      params.addTool(definition.build());
    }
    JsonNode settings = request.settings();
    if (settings != null && settings.path("thinking").path("budget_tokens").canConvertToLong()) {
      params.thinking(
          ThinkingConfigEnabled.builder()
              .budgetTokens(settings.path("thinking").path("budget_tokens").asLong())
              .build());
    }
    return params.build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(JsonNode node) {
    return node != null && node.isObject()
        ? EventJson.MAPPER.convertValue(node, Map.class)
        : Map.of();
  }

  private static Map<String, Object> schema(JsonNode schema) {
    Map<String, Object> map = map(schema);
    return map.isEmpty() ? Map.of("type", "object", "properties", Map.of()) : map;
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
              limited.headers().values("retry-after-ms"), limited.headers().values("retry-after")));
    }
    if (e instanceof OverloadedException overloaded) {
      return new ModelFailure(
          "provider_overloaded",
          "The model provider is overloaded.",
          true,
          ProviderFailures.retryAfter(
              overloaded.headers().values("retry-after-ms"),
              overloaded.headers().values("retry-after")));
    }
    if (e instanceof InternalServerException server) {
      return ProviderFailures.failure(
          "provider_unavailable", "The model provider failed: ", server.getMessage(), true, null);
    }
    if (e instanceof SseException sse) {
      String type = sse.type().map(t -> t.asString()).orElse("error");
      boolean retryable =
          type.equals("overloaded_error")
              || type.equals("api_error")
              || type.equals("rate_limit_error");
      return ProviderFailures.failure(
          "provider_" + type,
          "The model provider reported an error: ",
          sse.apiMessage().orElse(type),
          retryable,
          null);
    }
    if (e instanceof UnauthorizedException || e instanceof PermissionDeniedException) {
      return ProviderFailures.failure(
          "provider_auth",
          "The model provider refused the credentials: ",
          e.getMessage(),
          false,
          null);
    }
    if (e instanceof AnthropicServiceException service) {
      return ProviderFailures.failure(
          "provider_rejected",
          "The model provider rejected the request: ",
          service.getMessage(),
          false,
          null);
    }
    if (e instanceof AnthropicIoException io) {
      return ProviderFailures.connection(io);
    }
    if (e instanceof AnthropicInvalidDataException) {
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
