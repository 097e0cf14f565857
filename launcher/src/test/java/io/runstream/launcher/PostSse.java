package io.runstream.launcher;

import java.io.BufferedReader;
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
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/** The faces whose POST answers with the stream (genie, project chat), read as their clients do. */
final class PostSse {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private PostSse() {}

  /**
   * One event: its {@code id:}, its {@code event:} name (null when data-only) and its JSON data.
   */
  record Event(String id, String event, JsonNode data) {
    JsonNode json() {
      return data;
    }

    String type() {
      return data.path("type").asString();
    }
  }

  /**
   * A POST's answer: status, headers, its events (read to the end, or the first {@code limit}) and
   * its text.
   */
  record Answer(int status, HttpResponse<InputStream> response, List<Event> events, String body) {
    JsonNode json() {
      return TestApi.JSON.readTree(body);
    }

    Event done() {
      return events.stream()
          .filter(e -> "done".equals(e.event()))
          .findFirst()
          .orElseThrow(() -> new AssertionError(body));
    }

    /** The tokens of project chat's {@code message} and legacy {@code token} events, joined. */
    String tokens() {
      return events.stream()
          .filter(e -> List.of("message", "token").contains(e.event()))
          .map(e -> e.data().path("token").asString())
          .collect(Collectors.joining());
    }
  }

  /** POSTs {@code body} (JSON) to {@code url} and reads the answer's SSE events. */
  static Answer post(String url, Map<String, String> headers, String body, int limit)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    HttpResponse<InputStream> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    boolean sse =
        response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
    List<Event> events = new ArrayList<>();
    StringBuilder raw = new StringBuilder();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      String line;
      while (events.size() < limit && (line = reader.readLine()) != null) {
        raw.append(line).append('\n');
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ") && sse) {
          events.add(new Event(id, event, TestApi.JSON.readTree(line.substring(6))));
          id = null;
          event = null;
        }
      }
    }
    return new Answer(response.statusCode(), response, events, raw.toString().strip());
  }
}
