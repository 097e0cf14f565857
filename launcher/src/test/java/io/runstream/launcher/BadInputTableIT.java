package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * A table of malformed requests fired at every endpoint of the canonical face: each must answer a
 * 4xx with a problem+json body, never a 5xx or a stack trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTableIT extends PlatformIT {
  private String token;
  private String session;
  private String agentMessage;
  private String run;

  private record Case(
      String name, String method, String path, Map<String, String> headers, byte[] body) {}

  @BeforeAll
  void fixture() throws Exception {
    TestApi api = api();
    token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("fixture", 5, 0));
    session = created.json().path("uuid").asString();
    agentMessage = created.json().path("message_uuid").asString();
    run = created.json().path("run_uuid").asString();
    try (TestApi.Stream stream = api.stream("/api/v1/sessions/" + session + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<byte[]> badBodies() {
    List<byte[]> bodies = new ArrayList<>();
    for (String text :
        List.of(
            "",
            " ",
            "{",
            "}",
            "{\"text\":",
            "{\"text\" \"x\"}",
            "{'text':'x'}",
            "{\"text\":\"x\",}",
            "[",
            "[]",
            "[{}]",
            "null",
            "true",
            "42",
            "-1",
            "\"a string\"",
            "{}",
            "{\"\":\"\"}",
            "{\"text\":null}",
            "{\"text\":{}}",
            "{\"text\":[]}",
            "{\"text\":1e309}",
            "{\"text\":\"\\ud800\"}",
            "{\"text\":\"\\u0000\"}",
            "NaN",
            "{\"input\":12}",
            "{\"rating\":5}",
            "{\"rating\":\"great\"}",
            "{\"token_budget\":\"lots\"}")) {
      bodies.add(utf8(text));
    }
    bodies.add(
        new byte[] {
          '{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
        });
    bodies.add(new byte[] {(byte) 0xFF, (byte) 0xFE, (byte) 0xFD});
    bodies.add(utf8("[".repeat(5000) + "]".repeat(5000)));
    bodies.add(utf8("{\"text\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}"));
    bodies.add(utf8("{\"text\":\"" + "b".repeat(20_001) + "\"}"));
    return bodies;
  }

  private List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    String json = "application/json";
    List<String> postPaths =
        List.of(
            "/api/v1/sessions",
            "/api/v1/sessions/" + session + "/messages",
            "/api/v1/sessions/" + session + "/messages/" + agentMessage + "/feedback",
            "/api/v1/runs");
    List<byte[]> bodies = badBodies();
    Map<String, List<String>> fieldTypes =
        Map.of(
            "/api/v1/sessions",
            List.of(
                "{\"text\":\"ok\",\"metadata\":7}",
                "{\"text\":\"ok\",\"simulation\":[]}",
                "{\"text\":\"ok\",\"model\":{}}",
                "{\"text\":\"ok\",\"title\":[]}",
                "{\"text\":\"ok\",\"instructions\":1}",
                "{\"text\":\"ok\",\"model\":\"nobody/x\"}"),
            "/api/v1/runs",
            List.of(
                "{\"input\":\"ok\",\"history\":\"no\"}",
                "{\"input\":\"ok\",\"history\":[{\"role\":\"x\",\"content\":\"y\"}]}",
                "{\"input\":\"ok\",\"session_uuid\":5}",
                "{\"input\":\"ok\",\"session_uuid\":\"nope\"}",
                "{\"input\":\"ok\",\"metadata\":[]}",
                "{\"input\":\"ok\",\"simulation\":{\"seed\":1.5}}"));
    for (String path : postPaths) {
      for (int i = 0; i < bodies.size(); i++) {
        cases.add(
            new Case(
                "POST " + path + " body#" + i,
                "POST",
                path,
                Map.of("Content-Type", json),
                bodies.get(i)));
      }
      for (String body : fieldTypes.getOrDefault(path, List.of())) {
        cases.add(
            new Case(
                "POST " + path + " " + body,
                "POST",
                path,
                Map.of("Content-Type", json),
                utf8(body)));
      }
      cases.add(
          new Case(
              "POST " + path + " text/plain",
              "POST",
              path,
              Map.of("Content-Type", "text/plain"),
              utf8("hi")));
      cases.add(
          new Case(
              "POST " + path + " no content type",
              "POST",
              path,
              Map.of(),
              utf8("{\"text\":\"x\"}")));
    }
    for (int i = 0; i < bodies.size(); i++) {
      cases.add(
          new Case(
              "PUT budget body#" + i,
              "PUT",
              "/api/v1/admin/budget",
              Map.of("Content-Type", json),
              bodies.get(i)));
    }
    List<String> badIds =
        List.of(
            "x",
            "123",
            "not-a-uuid",
            UUID.randomUUID().toString(),
            "00000000-0000-0000-0000-00000000000g",
            "%20",
            "%2e%2e",
            "..%2f",
            "a%0d%0ab",
            "%00",
            "%ff%fe",
            "'%20OR%201=1--",
            UUID.randomUUID() + "%00",
            "{{7*7}}",
            "%3Cscript%3E",
            "a".repeat(3000));
    for (String id : badIds) {
      cases.add(new Case("GET session " + id, "GET", "/api/v1/sessions/" + id, Map.of(), null));
      cases.add(
          new Case(
              "GET messages " + id, "GET", "/api/v1/sessions/" + id + "/messages", Map.of(), null));
      cases.add(
          new Case(
              "GET stream " + id, "GET", "/api/v1/sessions/" + id + "/stream", Map.of(), null));
      cases.add(new Case("GET run " + id, "GET", "/api/v1/runs/" + id, Map.of(), null));
      cases.add(
          new Case(
              "GET run stream " + id, "GET", "/api/v1/runs/" + id + "/stream", Map.of(), null));
      cases.add(
          new Case(
              "POST message " + id,
              "POST",
              "/api/v1/sessions/" + id + "/messages",
              Map.of("Content-Type", json),
              utf8("{\"text\":\"x\"}")));
      cases.add(
          new Case(
              "POST stop " + id,
              "POST",
              "/api/v1/sessions/" + id + "/stream/stop",
              Map.of(),
              utf8("")));
      cases.add(
          new Case(
              "POST cancel " + id, "POST", "/api/v1/runs/" + id + "/cancel", Map.of(), utf8("")));
      cases.add(
          new Case(
              "POST feedback msg " + id,
              "POST",
              "/api/v1/sessions/" + session + "/messages/" + id + "/feedback",
              Map.of("Content-Type", json),
              utf8("{\"rating\":\"positive\"}")));
    }
    for (String value :
        List.of("abc", "-1", "1.5", "1e3", "99999999999999999999", "0x10", "+1", "1 2", "١٢")) {
      cases.add(
          new Case(
              "Last-Event-ID " + value,
              "GET",
              "/api/v1/sessions/" + session + "/stream",
              Map.of("Last-Event-ID", value),
              null));
      cases.add(
          new Case(
              "run after " + value,
              "GET",
              "/api/v1/runs/" + run + "/stream?after=" + encode(value),
              Map.of(),
              null));
    }
    for (String value : List.of("maybe", "2", "yes", "truee", "%00", "-1")) {
      cases.add(
          new Case(
              "session compact " + value,
              "GET",
              "/api/v1/sessions/" + session + "/stream?compact=" + value,
              Map.of(),
              null));
      cases.add(
          new Case(
              "run compact " + value,
              "GET",
              "/api/v1/runs/" + run + "/stream?compact=" + value,
              Map.of(),
              null));
    }
    for (String query :
        List.of(
            "page=0",
            "page=-3",
            "page=a",
            "page=1.5",
            "page_size=0",
            "page_size=201",
            "page_size=-1",
            "page_size=x",
            "page=99999999999",
            "page=%00")) {
      cases.add(new Case("sessions ?" + query, "GET", "/api/v1/sessions?" + query, Map.of(), null));
      cases.add(
          new Case(
              "messages ?" + query,
              "GET",
              "/api/v1/sessions/" + session + "/messages?" + query,
              Map.of(),
              null));
    }
    for (String auth :
        List.of(
            "",
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Bearer a.b.c",
            "Bearer " + "x".repeat(5000),
            "bearer " + token.substring(1))) {
      cases.add(
          new Case(
              "Authorization '" + auth.substring(0, Math.min(auth.length(), 20)) + "'",
              "GET",
              "/api/v1/sessions",
              auth.isEmpty() ? Map.of("Authorization", "") : Map.of("Authorization", auth),
              null));
    }
    return cases;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @TestFactory
  Stream<DynamicTest> shouldAnswerEveryMalformedRequestWithA4xxProblem() {
    TestApi api = api();
    List<Case> cases = cases();
    assertThat(cases.size()).isGreaterThan(300);
    return cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.name(),
                    () -> {
                      HttpRequest.Builder request;
                      try {
                        request =
                            HttpRequest.newBuilder(URI.create(api.base() + c.path()))
                                .timeout(Duration.ofSeconds(20));
                      } catch (IllegalArgumentException e) {
                        return; // a path the client library itself refuses to send
                      }
                      request.method(
                          c.method(),
                          c.body() == null
                              ? HttpRequest.BodyPublishers.noBody()
                              : HttpRequest.BodyPublishers.ofByteArray(c.body()));
                      boolean ownAuth = c.headers().containsKey("Authorization");
                      if (!ownAuth) {
                        request.header("Authorization", "Bearer " + token);
                      }
                      try {
                        c.headers()
                            .forEach(
                                (k, v) -> {
                                  if (!(k.equals("Authorization") && v.isEmpty())) {
                                    request.header(k, v);
                                  }
                                });
                      } catch (IllegalArgumentException e) {
                        return; // a header value the client library itself refuses to send
                      }
                      TestApi.Answer answer;
                      try {
                        answer = api.send(request.build());
                      } catch (IllegalStateException e) {
                        throw new AssertionError(c.name() + ": no answer", e);
                      }
                      assertThat(answer.status())
                          .as("%s -> %s", c.name(), answer.body())
                          .isBetween(400, 499);
                      assertThat(answer.header("Content-Type"))
                          .as(c.name())
                          .startsWith("application/problem+json");
                      assertThat(TestApi.JSON.readTree(answer.body()).path("status").asInt())
                          .as(c.name())
                          .isEqualTo(answer.status());
                      assertThat(answer.body())
                          .as(c.name())
                          .doesNotContain("Exception")
                          .doesNotContain("\tat ");
                    }));
  }
}
