package io.runstream.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of Runstream's canonical API ({@code /api/v1}). Thread-safe; one per application is
 * enough.
 *
 * <pre>{@code
 * RunstreamClient client = RunstreamClient.builder(URI.create("http://localhost:8080")).token(jwt).build();
 * StartedRun run = client.startRun(RunRequest.of("Name three cheeses"));
 * StringBuilder answer = new StringBuilder();
 * try (RunStream stream = client.stream(run.runId())) {
 *   for (StreamPart part : stream) {
 *     if (part instanceof StreamPart.TextDelta delta) answer.append(delta.delta());
 *   }
 * }
 * }</pre>
 */
public final class RunstreamClient {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI base;
  private final Supplier<String> token;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration reconnectDelay;
  private final int maxReconnects;

  private RunstreamClient(Builder builder) {
    String url = builder.baseUrl.toString();
    this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    this.token = builder.token;
    this.http =
        builder.http != null
            ? builder.http
            : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    this.requestTimeout = builder.requestTimeout;
    this.reconnectDelay = builder.reconnectDelay;
    this.maxReconnects = builder.maxReconnects;
  }

  /**
   * A builder for the server at {@code baseUrl} (scheme, host and port, e.g. {@code
   * http://localhost:8080}).
   */
  public static Builder builder(URI baseUrl) {
    return new Builder(baseUrl);
  }

  /** Starts a run ({@code POST /api/v1/runs}); answers once the broker has accepted it. */
  public StartedRun startRun(RunRequest request) {
    JsonNode answer = send("POST", "/api/v1/runs", request.body());
    return new StartedRun(
        UUID.fromString(answer.path("run_uuid").asString()),
        UUID.fromString(answer.path("session_uuid").asString()),
        answer.path("stream_url").asString(null),
        answer.path("status_url").asString(null));
  }

  /** Starts a run answering {@code input} in a new session. */
  public StartedRun startRun(String input) {
    return startRun(RunRequest.of(input));
  }

  /**
   * Starts a session with its first message ({@code POST /api/v1/sessions}): the session, the
   * message and the run answering it. {@code title} may be null (the first message names the
   * session).
   */
  public StartedSession createSession(String text, String title) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("text", text);
    if (title != null) {
      body.put("title", title);
    }
    JsonNode answer = send("POST", "/api/v1/sessions", body);
    return new StartedSession(
        UUID.fromString(answer.path("uuid").asString()),
        UUID.fromString(answer.path("run_uuid").asString()),
        UUID.fromString(answer.path("message_uuid").asString()),
        answer.path("title").asString(""),
        answer.path("stream_url").asString(null));
  }

  /**
   * Sends the next message of a session ({@code POST /api/v1/runs} with its {@code session_uuid}).
   * While the session has a live run this throws {@link RunstreamException} with code {@code
   * run_in_progress} (409).
   */
  public StartedRun sendMessage(UUID sessionId, String text) {
    return startRun(RunRequest.of(text).session(sessionId));
  }

  /** The run's status and usage ({@code GET /api/v1/runs/{uuid}}). */
  public RunStatus run(UUID runId) {
    JsonNode answer = send("GET", "/api/v1/runs/" + runId, null);
    JsonNode usage = answer.path("usage");
    JsonNode error = answer.get("error");
    String errorText =
        error == null || error.isNull()
            ? null
            : error.path("message").asString(error.path("code").asString(error.toString()));
    return new RunStatus(
        answer.path("status").asString(),
        usage.path("input_tokens").asLong(0),
        usage.path("output_tokens").asLong(0),
        errorText,
        answer);
  }

  /**
   * The run's stream from its first event: parts as they come, reopened after a dropped connection
   * from the last event received ({@code Last-Event-ID}), until the run's end. Close it to stop
   * reading.
   */
  public RunStream stream(UUID runId) {
    return stream(runId, -1);
  }

  /**
   * The run's stream after the event {@code afterId} (what a reader that already had up to it would
   * resume with).
   */
  public RunStream stream(UUID runId, long afterId) {
    return new RunStream(this, "/api/v1/runs/" + runId + "/stream", afterId);
  }

  /**
   * Stops the run ({@code POST /api/v1/runs/{uuid}/cancel}); a finished run stays as it is.
   * Idempotent.
   */
  public void cancel(UUID runId) {
    send("POST", "/api/v1/runs/" + runId + "/cancel", Map.of());
  }

  /**
   * Answers a client tool call the run waits for ({@code POST /api/v1/runs/{uuid}/tool-results});
   * the run goes on.
   *
   * @param output the tool's result, any JSON-serialisable value
   * @return false if the run was not waiting for that call (409 {@code no_pending_tool_call}:
   *     answered already, or the run has ended)
   */
  public boolean submitToolResult(UUID runId, String toolCallId, Object output) {
    try {
      send(
          "POST",
          "/api/v1/runs/" + runId + "/tool-results",
          Map.of("toolCallId", toolCallId, "output", output));
      return true;
    } catch (RunstreamException e) {
      if (e.status() == 409 && "no_pending_tool_call".equals(e.code())) {
        return false;
      }
      throw e;
    }
  }

  // --- plumbing

  Duration reconnectDelay() {
    return reconnectDelay;
  }

  int maxReconnects() {
    return maxReconnects;
  }

  HttpResponse<InputStream> openStream(String path, long afterId)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Accept", "text/event-stream")
            .header("Cache-Control", "no-cache")
            .GET();
    authorize(request);
    if (afterId >= 0) {
      request.header("Last-Event-ID", Long.toString(afterId));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private JsonNode send(String method, String path, Object body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(requestTimeout)
            .header("Accept", "application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }
    authorize(request);
    HttpResponse<String> response;
    try {
      response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RunstreamException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunstreamException(method + " " + path + " was interrupted", e);
    }
    if (response.statusCode() / 100 != 2) {
      throw problem(response.statusCode(), response.body());
    }
    String text = response.body();
    return text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
  }

  private void authorize(HttpRequest.Builder request) {
    String value = token == null ? null : token.get();
    if (value != null) {
      request.header("Authorization", "Bearer " + value);
    }
  }

  /**
   * The server's problem answer as an exception: {@code code} (or the last segment of {@code type})
   * and detail.
   */
  static RunstreamException problem(int status, String body) {
    String code = null;
    String detail = body == null ? "" : body;
    try {
      JsonNode problem = JSON.readTree(body);
      JsonNode error = problem.path("error");
      code = problem.path("code").asString(error.path("code").asString(null));
      if (code == null && problem.hasNonNull("type")) {
        String type = problem.path("type").asString();
        code = type.substring(type.lastIndexOf('/') + 1);
      }
      detail =
          problem
              .path("detail")
              .asString(error.path("message").asString(problem.path("title").asString(detail)));
    } catch (RuntimeException notJson) {
      // a proxy's page, say: its text is the message
    }
    return new RunstreamException(
        status, code, "HTTP " + status + (code == null ? "" : " " + code) + ": " + detail);
  }

  /** Settings of a client. */
  public static final class Builder {
    private final URI baseUrl;
    private Supplier<String> token;
    private HttpClient http;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration reconnectDelay = Duration.ofMillis(500);
    private int maxReconnects = 10;

    private Builder(URI baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /**
     * The bearer token (a JWT your identity provider issued, or one of {@code bin/runstream
     * start}'s).
     */
    public Builder token(String token) {
      this.token = () -> token;
      return this;
    }

    /** A token asked for at every request (refreshed tokens). */
    public Builder token(Supplier<String> token) {
      this.token = token;
      return this;
    }

    /** The HTTP client to use (proxies, TLS, executor); HTTP/1.1 is what SSE needs. */
    public Builder httpClient(HttpClient http) {
      this.http = http;
      return this;
    }

    /** How long a request other than a stream may take (30 s). */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    /**
     * How long to wait before reopening a dropped stream (500 ms; a server's {@code Retry-After} or
     * {@code retry:} takes precedence).
     */
    public Builder reconnectDelay(Duration reconnectDelay) {
      this.reconnectDelay = reconnectDelay;
      return this;
    }

    /**
     * How many times in a row a stream is reopened without receiving an event before giving up
     * (10).
     */
    public Builder maxReconnects(int maxReconnects) {
      this.maxReconnects = maxReconnects;
      return this;
    }

    public RunstreamClient build() {
      return new RunstreamClient(this);
    }
  }
}
