package io.runstream.launcher;

import io.runstream.worker.context.TestDocuments;
import io.runstream.worker.model.FakeProviderServer;
import io.runstream.worker.model.FakeProviderServer.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * The model providers of the platform tests: a local server speaking OpenAI's Chat Completions
 * streaming, configured as the provider {@code local-openai} (one per test JVM, like the broker).
 * It plays a small agent decided by the request alone: "remember" asks {@code memory_store},
 * "recall" asks {@code memory_retrieve}, "where am i" asks the client tool {@code getLocation},
 * "rate limit once" is answered 429 the first time, "stall mid-stream" gets one token and then
 * nothing; after a tool result it answers with the result; anything else gets a greeting. The
 * action flow server never answers a flow whose parameters say "hang up".
 */
final class FakeModels {
  /** The provider name the tests use for the OpenAI-compatible server. */
  static final String OPENAI = "local-openai";

  /** The provider name the tests use for the Anthropic server. */
  static final String ANTHROPIC = "local-claude";

  private static FakeModels shared;

  private final FakeProviderServer openAi;
  private final FakeProviderServer anthropic;
  private final FakeProviderServer flows;
  private final Path uploads;
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

  private FakeModels() throws IOException {
    openAi = new FakeProviderServer();
    openAi.answer(this::openAiAnswer);
    anthropic = new FakeProviderServer();
    anthropic.answer(FakeModels::anthropicAnswer);
    // The webhook flow of the post-create action: answers what it was sent.
    flows = new FakeProviderServer();
    // A flow asked to "hang" never answers (StopAnywhereIT: a stop abandons it).
    flows.answer(
        body ->
            body.contains("hang up")
                ? Response.silence()
                : Response.status(200, "{\"queued\":true,\"received\":" + body + "}"));
    uploads = Files.createTempDirectory("runstream-uploads");
    // The file seed 001's examples send ({ path: 'uploads/report.pdf', name: 'report.pdf' }).
    Files.createDirectories(uploads.resolve("uploads"));
    Files.write(
        uploads.resolve("uploads/report.pdf"),
        TestDocuments.pdf("TechCrunch reports that the startup raised 12 million"));
  }

  static synchronized FakeModels get() {
    if (shared == null) {
      try {
        shared = new FakeModels();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return shared;
  }

  FakeProviderServer openAi() {
    return openAi;
  }

  FakeProviderServer anthropic() {
    return anthropic;
  }

  /** The webhook flow server of the {@code post-create} action. */
  FakeProviderServer flows() {
    return flows;
  }

  /** The platform's uploads directory ({@code runstream.context.files.uploads-dir}). */
  Path uploads() {
    return uploads;
  }

  /**
   * The properties that configure the providers, the webhook flow and the uploads; the flow's
   * server is on 127.0.0.1, which {@code runstream.security.urls.allowed-hosts} allows (any other
   * private address stays refused).
   */
  Map<String, String> properties() {
    return Map.ofEntries(
        Map.entry("runstream.providers." + OPENAI + ".type", "openai"),
        Map.entry("runstream.providers." + OPENAI + ".base-url", openAi.base() + "/v1"),
        Map.entry("runstream.providers." + OPENAI + ".default-model", "qwen3:8b"),
        Map.entry("runstream.providers." + OPENAI + ".max-retries", "2"),
        Map.entry("runstream.providers." + ANTHROPIC + ".type", "anthropic"),
        Map.entry("runstream.providers." + ANTHROPIC + ".base-url", anthropic.base()),
        Map.entry("runstream.providers." + ANTHROPIC + ".api-key", "test-key"),
        Map.entry("runstream.providers." + ANTHROPIC + ".default-model", "claude-x"),
        Map.entry("runstream.actions.flows.post-create.url", flows.base() + "/flows/post-create"),
        Map.entry("runstream.security.urls.allowed-hosts", "127.0.0.1"),
        Map.entry("runstream.context.files.uploads-dir", uploads.toString()));
  }

  private Response openAiAnswer(String body) {
    JsonNode request = TestApi.JSON.readTree(body);
    JsonNode messages = request.path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    String user = "";
    for (JsonNode message : messages) {
      if (message.path("role").asString().equals("user")) {
        user =
            message.path("content").isArray()
                ? message.path("content").get(0).path("text").asString()
                : message.path("content").asString();
      }
    }
    String lower = user.toLowerCase(Locale.ROOT);
    if (last.path("role").asString().equals("tool")) {
      return text("The tool said: " + last.path("content").asString());
    }
    if (lower.contains("rate limit once")
        && seen.computeIfAbsent(user, k -> new AtomicInteger()).getAndIncrement() == 0) {
      return Response.status(
          429,
          "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}",
          "Retry-After",
          "0.2");
    }
    if (lower.contains("stall mid-stream")) {
      // A provider that sends one token, then nothing, its connection open (StopAnywhereIT).
      return Response.stall(chunk("{\"content\":\"Thinking \"}", null));
    }
    if (lower.contains("as mallory")) {
      // A model that names another user in a tool call: the platform overwrites it.
      return toolCall(
          "memory_store", "{\"key\":\"owner\",\"value\":\"forged\",\"user_id\":\"mallory\"}");
    }
    if (lower.contains("tag it")) {
      // An action tag split across three deltas.
      StringBuilder frames = new StringBuilder();
      for (String delta :
          List.of(
              "Filed. [ACTION:post-",
              "create:{\"title\":\"Launch\",\"user_id\":",
              "\"mallory\"}] Done.")) {
        frames.append(chunk("{\"content\":" + TestApi.JSON.writeValueAsString(delta) + "}", null));
      }
      frames.append(chunk("{}", "stop")).append(USAGE).append("data: [DONE]\n\n");
      return Response.events(frames.toString());
    }
    if (lower.contains("remember")) {
      return toolCall("memory_store", "{\"key\":\"name\",\"value\":\"Alex\"}");
    }
    if (lower.contains("recall")) {
      return toolCall("memory_retrieve", "{\"key\":\"name\"}");
    }
    if (lower.contains("add two numbers")) {
      return toolCall("everything_get-sum", "{\"a\":2,\"b\":3}");
    }
    if (lower.contains("where am i")) {
      return toolCall("getLocation", "{}");
    }
    return text("Hello from the local OpenAI-compatible server.");
  }

  /**
   * The Anthropic server's agent: after a tool result it says what the tool returned; a message
   * with "remember" is answered with thinking, text and a {@code memory_store} tool use; anything
   * else with a greeting.
   */
  private static Response anthropicAnswer(String body) {
    JsonNode messages = TestApi.JSON.readTree(body).path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    StringBuilder frames =
        new StringBuilder(
            anthropicEvent(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                    + "\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}"));
    String stop;
    if (last.path("content").isArray()
        && last.path("content").get(0).path("type").asString().equals("tool_result")) {
      frames.append(
          anthropicText(
              0, "The tool said: " + last.path("content").get(0).path("content").asString()));
      stop = "end_turn";
    } else if (last.path("content").asString("").toLowerCase(Locale.ROOT).contains("remember")) {
      frames
          .append(
              anthropicEvent(
                  "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"))
          .append(
              anthropicEvent(
                  "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Store the name.\"}}"))
          .append(
              anthropicEvent(
                  "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig\"}}"))
          .append(anthropicEvent("{\"type\":\"content_block_stop\",\"index\":0}"))
          .append(anthropicText(1, "Noted."))
          .append(
              anthropicEvent(
                  "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"memory_store\",\"input\":{}}}"))
          .append(
              anthropicEvent(
                  "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"key\\\": \\\"name\\\", \"}}"))
          .append(
              anthropicEvent(
                  "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"value\\\": \\\"Alex\\\"}\"}}"))
          .append(anthropicEvent("{\"type\":\"content_block_stop\",\"index\":2}"));
      stop = "tool_use";
    } else {
      frames.append(anthropicText(0, "Hello from the local Anthropic server."));
      stop = "end_turn";
    }
    frames
        .append("event: ping\ndata: {\"type\": \"ping\"}\n\n")
        .append(
            anthropicEvent(
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""
                    + stop
                    + "\",\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":11}}"))
        .append(anthropicEvent("{\"type\":\"message_stop\"}"));
    return Response.events(frames.toString());
  }

  private static String anthropicEvent(String json) {
    return "event: "
        + TestApi.JSON.readTree(json).path("type").asString()
        + "\ndata: "
        + json
        + "\n\n";
  }

  private static String anthropicText(int index, String text) {
    StringBuilder frames =
        new StringBuilder(
            anthropicEvent(
                "{\"type\":\"content_block_start\",\"index\":"
                    + index
                    + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    for (String word : text.split("(?<= )")) {
      frames.append(
          anthropicEvent(
              "{\"type\":\"content_block_delta\",\"index\":"
                  + index
                  + ",\"delta\":{\"type\":\"text_delta\",\"text\":"
                  + TestApi.JSON.writeValueAsString(word)
                  + "}}"));
    }
    return frames
        .append(anthropicEvent("{\"type\":\"content_block_stop\",\"index\":" + index + "}"))
        .toString();
  }

  private static String chunk(String delta, String finish) {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"qwen3:8b\","
        + "\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}\n\n";
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
        chunk(
            "{\"tool_calls\":[{\"index\":0,\"id\":\"call_"
                + name
                + "\",\"type\":\"function\",\"function\":{\"name\":\""
                + name
                + "\",\"arguments\":"
                + TestApi.JSON.writeValueAsString(half)
                + "}}]}",
            null),
        chunk(
            "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                + TestApi.JSON.writeValueAsString(rest)
                + "}}]}",
            null),
        chunk("{}", "tool_calls"),
        USAGE,
        "data: [DONE]\n\n");
  }
}
