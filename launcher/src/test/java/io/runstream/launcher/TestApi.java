package io.runstream.launcher;

import io.runstream.core.identity.DevTokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP and SSE client of the running platform, written against the API, not the code. */
final class TestApi {
  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  private final String base;

  TestApi(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  String base() {
    return base;
  }

  /**
   * The HS256 secret the test suite's services verify with ({@code application.properties} of the
   * tests).
   */
  static final String SECRET = "runstream-test-suite-secret-3f9a1c7e5b2d4086a1e9";

  /**
   * The platform operator's subject in the test suite ({@code
   * runstream.security.operator-subjects}).
   */
  static final String OPERATOR = "ops-operator";

  /**
   * A platform operator's token, in {@code org}: sets token budgets, reads the actuator on the
   * public port.
   */
  static String operatorToken(String org) {
    return DevTokens.mint(
        SECRET, OPERATOR, org, "Operator", "ops@example.com", false, Duration.ofHours(1));
  }

  /** A token of a fresh user in a fresh organisation, unless given. */
  static String token(String org, String subject) {
    return DevTokens.mint(
        SECRET,
        subject,
        org,
        "User " + subject,
        subject + "@example.com",
        false,
        Duration.ofHours(1));
  }

  static String adminToken(String org, String subject) {
    return DevTokens.mint(
        SECRET,
        subject,
        org,
        "Admin " + subject,
        subject + "@example.com",
        true,
        Duration.ofHours(1));
  }

  Answer put(String path, String token, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  static String freshToken() {
    return token("org-" + UUID.randomUUID(), "user-" + UUID.randomUUID());
  }

  record Answer(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      return JSON.readTree(body);
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  /**
   * Starts a run of the simulated model ({@code POST /api/v1/runs} with {@code input} and the
   * {@code simulation} object) and returns its id; the answer must be 202.
   */
  String startRun(String token, String input, String simulation) {
    Answer created =
        post(
            "/api/v1/runs",
            token,
            "{\"input\":\"" + input + "\",\"simulation\":" + simulation + "}");
    if (created.status() != 202) {
      throw new AssertionError(
          "POST /api/v1/runs answered " + created.status() + ": " + created.body());
    }
    return created.json().path("run_uuid").asString();
  }

  Answer post(String path, String token, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  Answer get(String path, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  Answer send(HttpRequest request) {
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), response);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * One SSE event as a client sees it: {@code id} is the stream's last event id when it was
   * dispatched (as {@code EventSource} keeps it), {@code ownId} whether the event itself had an
   * {@code id:} line, {@code event} its {@code event:} name (null for the default {@code message}).
   */
  record Event(String id, String data, String event, Boolean ownId) {
    Event(String id, String data) {
      this(id, data, null, true);
    }

    long seq() {
      return Long.parseLong(id);
    }

    boolean done() {
      return "[DONE]".equals(data);
    }

    JsonNode json() {
      return JSON.readTree(data);
    }

    String type() {
      return done() ? "[DONE]" : json().path("type").asString();
    }

    /** Events as "id:type", one line: what a failing assertion shows of a long stream. */
    static String outline(List<Event> events) {
      StringBuilder line = new StringBuilder(events.size() * 12);
      for (Event event : events) {
        String type;
        try {
          type = event.type();
        } catch (RuntimeException notJson) {
          type = event.data();
        }
        line.append(event.id()).append(':').append(type).append(' ');
      }
      return line.toString();
    }
  }

  /** An open SSE stream read on its own thread. */
  static final class Stream implements AutoCloseable {
    final int status;
    final HttpResponse<InputStream> response;
    final List<String> comments = new ArrayList<>();
    final List<String> retries = new ArrayList<>();
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private static final Object END = new Object();
    private final Thread reader;

    Stream(HttpResponse<InputStream> response) {
      this.status = response.statusCode();
      this.response = response;
      this.reader = Thread.ofVirtual().start(this::read);
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String id = null;
        String event = null;
        boolean ownId = false;
        StringBuilder data = null;
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isEmpty()) {
            if (data != null) {
              events.add(new Event(id, data.toString(), event, ownId));
            }
            data = null;
            event = null;
            ownId = false;
            continue;
          }
          if (line.startsWith(":")) {
            synchronized (comments) {
              comments.add(line);
            }
          } else if (line.startsWith("id:")) {
            id = line.substring(3).strip();
            ownId = true;
          } else if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("retry:")) {
            retries.add(line.substring(6).strip());
          } else if (line.startsWith("data:")) {
            String value = line.substring(5);
            value = value.startsWith(" ") ? value.substring(1) : value;
            data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          }
        }
      } catch (IOException e) {
        // closed
      } finally {
        events.add(END);
      }
    }

    /** The next event, or null if the stream ended or nothing came in time. */
    Event next(Duration timeout) throws InterruptedException {
      Object next = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (next == END) {
        events.add(END);
        return null;
      }
      return (Event) next;
    }

    /** Every event up to and including {@code [DONE]}. */
    List<Event> untilDone(Duration timeout) throws InterruptedException {
      return until(timeout, Event::done);
    }

    /** Every event until the server ends the stream. */
    List<Event> all(Duration timeout) throws InterruptedException {
      return until(timeout, event -> false);
    }

    /**
     * Every event up to and including the first that {@code last} accepts, or until the stream
     * ends.
     */
    private List<Event> until(Duration timeout, Predicate<Event> last) throws InterruptedException {
      List<Event> all = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        Event event = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (event == null) {
          break;
        }
        all.add(event);
        if (last.test(event)) {
          break;
        }
      }
      return all;
    }

    /** The first {@code n} events. */
    List<Event> take(int n, Duration timeout) throws InterruptedException {
      List<Event> all = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (all.size() < n && System.nanoTime() < deadline) {
        Event event = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (event == null) {
          break;
        }
        all.add(event);
      }
      return all;
    }

    @Override
    public void close() {
      try {
        response.body().close();
      } catch (IOException e) {
        // already closed
      }
      reader.interrupt();
    }
  }

  /** Opens an SSE stream with optional headers. */
  Stream stream(String path, String token, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream").GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::header);
    try {
      return new Stream(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Stream stream(String path, String token) {
    return stream(path, token, Map.of());
  }

  /** A session-creation body with the simulated model's knobs. */
  static String sessionBody(String text, int outputTokens, double tokensPerSecond) {
    return "{\"text\":"
        + JSON.writeValueAsString(text)
        + ",\"simulation\":{\"output_tokens\":"
        + outputTokens
        + ",\"tokens_per_second\":"
        + tokensPerSecond
        + ",\"seed\":42}}";
  }
}
