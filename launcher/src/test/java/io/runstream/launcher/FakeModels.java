package io.runstream.launcher;

import io.runstream.worker.model.FakeProviderServer;
import io.runstream.worker.model.FakeProviderServer.Response;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * The model providers of the platform tests: a local server speaking OpenAI's Chat Completions streaming, configured
 * as the provider {@code local-openai} (one per test JVM, like the broker). It plays a small agent decided by the
 * request alone: "remember" asks {@code memory_store}, "recall" asks {@code memory_retrieve}, "where am i" asks the
 * client tool {@code getLocation}, "rate limit once" is answered 429 the first time; after a tool result it answers
 * with the result; anything else gets a greeting.
 */
final class FakeModels {
  /** The provider name the tests use. */
  static final String OPENAI = "local-openai";

  private static FakeModels shared;

  private final FakeProviderServer openAi;
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

  private FakeModels() throws java.io.IOException {
    openAi = new FakeProviderServer();
    openAi.answer(this::openAiAnswer);
  }

  static synchronized FakeModels get() {
    if (shared == null) {
      try {
        shared = new FakeModels();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return shared;
  }

  FakeProviderServer openAi() {
    return openAi;
  }

  /** The properties that configure the providers. */
  Map<String, String> properties() {
    return Map.of(
        "runstream.providers." + OPENAI + ".type", "openai",
        "runstream.providers." + OPENAI + ".base-url", openAi.base() + "/v1",
        "runstream.providers." + OPENAI + ".default-model", "qwen3:8b",
        "runstream.providers." + OPENAI + ".max-retries", "2");
  }

  private Response openAiAnswer(String body) {
    JsonNode request = TestApi.JSON.readTree(body);
    JsonNode messages = request.path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    String user = "";
    for (JsonNode message : messages) {
      if (message.path("role").asString().equals("user")) {
        user = message.path("content").asString();
      }
    }
    String lower = user.toLowerCase(java.util.Locale.ROOT);
    if (last.path("role").asString().equals("tool")) {
      return text("The tool said: " + last.path("content").asString());
    }
    if (lower.contains("rate limit once") && seen.computeIfAbsent(user, k -> new AtomicInteger()).getAndIncrement() == 0) {
      return Response.status(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}", "Retry-After", "0.2");
    }
    if (lower.contains("remember")) {
      return toolCall("memory_store", "{\"key\":\"name\",\"value\":\"Alex\"}");
    }
    if (lower.contains("recall")) {
      return toolCall("memory_retrieve", "{\"key\":\"name\"}");
    }
    if (lower.contains("where am i")) {
      return toolCall("getLocation", "{}");
    }
    return text("Hello from the local OpenAI-compatible server.");
  }

  private static String chunk(String delta, String finish) {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"qwen3:8b\","
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
  }

  private static final String USAGE =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"qwen3:8b\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":9,\"total_tokens\":49}}\n\n";

  private static Response text(String text) {
    StringBuilder frames = new StringBuilder();
    for (String word : text.split("(?<= )")) {
      frames.append(chunk("{\"content\":" + TestApi.JSON.writeValueAsString(word) + "}", null));
    }
    frames.append(chunk("{}", "stop")).append(USAGE).append("data: [DONE]\n\n");
    return Response.events(frames.toString());
  }

  private static Response toolCall(String name, String arguments) {
    String half = arguments.substring(0, arguments.length() / 2);
    String rest = arguments.substring(arguments.length() / 2);
    return Response.events(
        chunk("{\"content\":\"Let me see.\"}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_" + name + "\",\"type\":\"function\",\"function\":{\"name\":\""
            + name + "\",\"arguments\":" + TestApi.JSON.writeValueAsString(half) + "}}]}", null),
        chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + TestApi.JSON.writeValueAsString(rest) + "}}]}", null),
        chunk("{}", "tool_calls"), USAGE, "data: [DONE]\n\n");
  }
}
