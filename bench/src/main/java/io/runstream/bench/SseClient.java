package io.runstream.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A minimal SSE reader for the benchmark: counts events, notes when the first one came. */
final class SseClient {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /**
   * What one read saw.
   *
   * @param status the HTTP status
   * @param events events received (not counting {@code [DONE]})
   * @param firstEventNanos from sending the request to the first event
   * @param done whether {@code [DONE]} came
   */
  record Read(int status, long events, long firstEventNanos, boolean done) {}

  static String post(String url, String token, String body) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(
          "POST " + url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /** A GET's body (an actuator endpoint's, say); {@code token} may be null. */
  static String get(String url, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Reads the stream to its end, or only to its first event when {@code firstOnly}. */
  static Read read(String url, String token, Map<String, String> headers, boolean firstOnly)
      throws Exception {
    return read(url, token, headers, firstOnly, -1);
  }

  /**
   * As {@link #read}, the first event's time counted from {@code since} (a {@code nanoTime}) if not
   * negative.
   */
  static Read read(
      String url, String token, Map<String, String> headers, boolean firstOnly, long since)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
    headers.forEach(request::header);
    long sent = since >= 0 ? since : System.nanoTime();
    HttpResponse<InputStream> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    long events = 0;
    long first = -1;
    boolean done = false;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8), 65536)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        if (line.equals("data: [DONE]")) {
          done = true;
          break;
        }
        if (first < 0) {
          first = System.nanoTime() - sent;
          if (firstOnly) {
            break;
          }
        }
        events++;
      }
    }
    return new Read(response.statusCode(), events, first, done);
  }

  static String field(String json, String name) {
    int at = json.indexOf("\"" + name + "\":\"");
    if (at < 0) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    int start = at + name.length() + 4;
    return json.substring(start, json.indexOf('"', start));
  }
}
