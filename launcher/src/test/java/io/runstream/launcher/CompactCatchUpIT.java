package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue #27 item 5, compact catch-up (docs/faces/canonical.md): with {@code ?compact=true} (or
 * {@code Prefer: compact}) the events a reader is behind by come with each run of consecutive text
 * or reasoning deltas of one part merged into one event carrying the id of the last delta it
 * covers; live events come one per chunk as without it. Checked against the raw stream of the same
 * run: the compact stream is exactly the raw one with those runs merged (never across another event
 * or part), the same text, every id a resume point, and the AI SDK's own parser reads both to the
 * same message.
 */
class CompactCatchUpIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Set<String> DELTAS = Set.of("text-delta", "reasoning-delta");
  private static final Path SDKS = Path.of("src", "test", "node", "ai-sdk");
  private static final Map<String, String> VERSIONS =
      Map.of("v7", "7.0.173", "v6", "6.", "v5", "5.");
  private static final String SCRIPT =
      "[{\"type\":\"reasoning\",\"text\":\"Which file holds the name, the report or"
          + " the notes? The notes, most likely.\"},{\"type\":\"text\",\"text\":\"Looking the name up in the notes now,"
          + " one moment please.\"},{\"type\":\"tool\",\"name\":\"lookup\",\"input\":{\"key\":\"name\"},"
          + "\"output\":{\"value\":\"Alex\"}},{\"type\":\"text\",\"text\":\"The name written in the notes is Alex.\"}]";

  @Test
  void shouldMergeAFinishedRunsDeltasIntoOneEventWithTheSameTextAndTheLastDeltasId()
      throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String run =
        finishedRun(
            api,
            token,
            "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0,"
                + "\"output_tokens\":400}}");
    String path = "/api/v1/runs/" + run + "/stream";

    List<TestApi.Event> raw = read(api, path, token, Map.of());
    List<TestApi.Event> compact;
    try (TestApi.Stream stream = api.stream(path + "?compact=true", token)) {
      assertThat(stream.response.headers().firstValue("Preference-Applied")).contains("compact");
      compact = stream.untilDone(WAIT);
    }
    List<TestApi.Event> preferred = read(api, path, token, Map.of("Prefer", "compact"));

    assertThat(raw.getLast().done()).isTrue();
    assertThat(count(raw, "text-delta")).isGreaterThan(100);
    assertThat(count(compact, "text-delta")).as("one text part, one merged delta").isEqualTo(1);
    assertThat(compact.size()).isLessThan(raw.size() - 100);
    assertThat(SessionFlowIT.text(compact)).isNotEmpty().isEqualTo(SessionFlowIT.text(raw));
    assertThat(frames(compact)).isEqualTo(merged(raw));
    assertThat(frames(preferred)).as("Prefer: compact on a GET").isEqualTo(merged(raw));
    assertThat(compact.getLast().done()).isTrue();

    // Resuming after the merged delta: exactly the events after its id, raw or compact alike.
    TestApi.Event delta =
        compact.stream().filter(e -> e.type().equals("text-delta")).findFirst().orElseThrow();
    List<TestApi.Event> rest = read(api, path, token, Map.of("Last-Event-ID", delta.id()));
    assertThat(frames(rest)).isEqualTo(frames(after(raw, delta.seq())));
    assertThat(rest.getFirst().type()).isEqualTo("text-end");

    // Resumed mid-text and compact: the rest of the text in one event, ending at the same last id.
    long middle =
        raw.stream()
            .filter(e -> e.type().equals("text-delta"))
            .skip(50)
            .findFirst()
            .orElseThrow()
            .seq();
    List<TestApi.Event> tail =
        read(api, path + "?compact=true", token, Map.of("Last-Event-ID", Long.toString(middle)));
    assertThat(frames(tail)).isEqualTo(merged(after(raw, middle)));
    assertThat(count(tail, "text-delta")).isEqualTo(1);
    assertThat(tail.getFirst().id()).isEqualTo(delta.id());

    // Nothing left after the run's last id: 204, compact or not.
    try (TestApi.Stream done =
        api.stream(
            path + "?compact=true", token, Map.of("Last-Event-ID", raw.get(raw.size() - 2).id()))) {
      assertThat(done.status).isEqualTo(204);
    }
  }

  @Test
  void shouldCompactOnlyTheBacklogOfALiveRunJoinedMidwayAndResumeAfterTheMergedId()
      throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String session =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("tell a long story", 400, 40))
            .json()
            .path("uuid")
            .asString();
    String path = "/api/v1/sessions/" + session + "/stream";

    List<TestApi.Event> raw = new ArrayList<>();
    List<TestApi.Event> compact;
    try (TestApi.Stream first = api.stream(path, token)) {
      raw.addAll(first.take(40, WAIT));
      assertThat(raw).hasSize(40);
      try (TestApi.Stream joined = api.stream(path + "?compact=true", token)) {
        compact = joined.untilDone(WAIT);
      }
      raw.addAll(first.untilDone(WAIT));
    }

    assertThat(raw.getLast().done()).isTrue();
    assertThat(compact.getLast().done()).isTrue();
    assertThat(SessionFlowIT.text(compact)).isEqualTo(SessionFlowIT.text(raw));
    List<TestApi.Event> deltas =
        compact.stream().filter(e -> e.type().equals("text-delta")).toList();
    TestApi.Event backlog = deltas.getFirst();
    long coveredByBacklog =
        raw.stream().filter(e -> e.type().equals("text-delta") && e.seq() <= backlog.seq()).count();
    assertThat(coveredByBacklog).as("the backlog's deltas, merged").isGreaterThan(1);
    assertThat(backlog.json().path("delta").asString())
        .isEqualTo(SessionFlowIT.text(upTo(raw, backlog.seq())));
    // Live from there: one event per chunk, byte for byte the raw stream's.
    List<TestApi.Event> live = after(compact, backlog.seq());
    assertThat(deltas.size()).as("the run went on live after the join").isGreaterThan(1);
    assertThat(frames(live)).isEqualTo(frames(after(raw, backlog.seq())));

    // A client that got the merged event resumes after its id: nothing lost, nothing twice.
    List<TestApi.Event> resumed = read(api, path, token, Map.of("Last-Event-ID", backlog.id()));
    assertThat(frames(resumed)).isEqualTo(frames(after(raw, backlog.seq())));
    assertThat(backlog.json().path("delta").asString() + SessionFlowIT.text(resumed))
        .isEqualTo(SessionFlowIT.text(raw));
    List<TestApi.Event> resumedCompact =
        read(api, path + "?compact=true", token, Map.of("Last-Event-ID", backlog.id()));
    assertThat(frames(resumedCompact)).isEqualTo(merged(after(raw, backlog.seq())));
  }

  /**
   * A node that holds neither run in memory: a finished run's catch-up comes from the PostgreSQL
   * chunk log (more than one page of it, merged across pages), a live run's start from Kafka, and
   * both compact the same way.
   */
  @Test
  void shouldCompactACatchUpReadFromTheChunkLogAndFromKafkaOnAnotherNode() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String live =
        api.post(
                "/api/v1/runs",
                token,
                "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":40,"
                    + "\"output_tokens\":600}}")
            .json()
            .path("run_uuid")
            .asString();
    String finished =
        finishedRun(
            api,
            token,
            "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0,"
                + "\"output_tokens\":1500}}");
    try (ConfigurableApplicationContext node = startFanoutNode(Map.of())) {
      TestApi other = new TestApi(((WebServerApplicationContext) node).getWebServer().getPort());

      String cold = "/api/v1/runs/" + finished + "/stream";
      List<TestApi.Event> raw = read(api, cold, token, Map.of());
      List<TestApi.Event> compact = read(other, cold + "?compact=true", token, Map.of());
      assertThat(count(raw, "text-delta")).as("more than one page of the log").isGreaterThan(1000);
      assertThat(count(compact, "text-delta")).isEqualTo(1);
      assertThat(frames(compact)).isEqualTo(merged(raw));
      assertThat(frames(read(other, cold, token, Map.of())))
          .as("raw from the log")
          .isEqualTo(frames(raw));

      String warm = "/api/v1/runs/" + live + "/stream";
      List<TestApi.Event> joined = read(other, warm + "?compact=true", token, Map.of());
      List<TestApi.Event> whole = read(api, warm, token, Map.of());
      assertThat(joined.getLast().done()).isTrue();
      assertThat(SessionFlowIT.text(joined)).isNotEmpty().isEqualTo(SessionFlowIT.text(whole));
      TestApi.Event backlog =
          joined.stream().filter(e -> e.type().equals("text-delta")).findFirst().orElseThrow();
      assertThat(backlog.json().path("delta").asString())
          .isEqualTo(SessionFlowIT.text(upTo(whole, backlog.seq())));
      assertThat(frames(after(joined, backlog.seq())))
          .isEqualTo(frames(after(whole, backlog.seq())));
      assertThat(frames(upTo(joined, backlog.seq()))).isEqualTo(merged(upTo(whole, backlog.seq())));
    }
  }

  @Test
  void shouldMergeReasoningAndNeverAcrossAToolCallOrAPartsEnd() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    String run =
        finishedRun(
            api,
            token,
            "{\"input\":\"what is the name?\",\"simulation\":{\"tokens_per_second\":0,"
                + "\"script\":"
                + SCRIPT
                + "}}");
    String path = "/api/v1/runs/" + run + "/stream";

    List<TestApi.Event> raw = read(api, path, token, Map.of());
    List<TestApi.Event> compact = read(api, path + "?compact=true", token, Map.of());

    assertThat(count(raw, "reasoning-delta")).isGreaterThan(5);
    assertThat(count(compact, "reasoning-delta")).isEqualTo(1);
    assertThat(
            compact.stream()
                .filter(e -> e.type().equals("reasoning-delta"))
                .findFirst()
                .orElseThrow()
                .json()
                .path("delta")
                .asString())
        .contains("Which file")
        .contains("most likely.");
    assertThat(count(compact, "text-delta"))
        .as("one merged delta each side of the tool call")
        .isEqualTo(2);
    List<String> types = compact.stream().map(TestApi.Event::type).toList();
    assertThat(types.indexOf("tool-output-available"))
        .isBetween(types.indexOf("text-delta"), types.lastIndexOf("text-delta"));
    assertThat(types)
        .containsSubsequence(
            "reasoning-start",
            "reasoning-delta",
            "reasoning-end",
            "text-start",
            "text-delta",
            "text-end",
            "tool-input-available",
            "tool-output-available",
            "text-start",
            "text-delta",
            "text-end");
    assertThat(frames(compact)).isEqualTo(merged(raw));
    assertThat(SessionFlowIT.text(compact)).isEqualTo(SessionFlowIT.text(raw)).contains("Alex");
  }

  @Test
  void shouldBeReadByEveryAiSdkVersionToTheSameMessageAsTheRawStream() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    for (String folder : VERSIONS.keySet()) {
      ExternalClients.installNodeClients(npm.get(), SDKS.resolve(folder), "ai");
    }
    TestApi api = api();
    String token = TestApi.freshToken();
    String scripted =
        finishedRun(
            api,
            token,
            "{\"input\":\"what is the name?\",\"simulation\":{"
                + "\"tokens_per_second\":0,\"script\":"
                + SCRIPT
                + "}}");
    String plain =
        finishedRun(
            api,
            token,
            "{\"input\":\"hi\",\"simulation\":{\"tokens_per_second\":0,"
                + "\"output_tokens\":300}}");

    for (String run : List.of(scripted, plain)) {
      for (Map.Entry<String, String> sdk : VERSIONS.entrySet()) {
        JsonNode raw = parse(node.get(), sdk.getKey(), "/api/v1/runs/" + run + "/stream", token);
        JsonNode compact =
            parse(node.get(), sdk.getKey(), "/api/v1/runs/" + run + "/stream?compact=true", token);
        assertThat(compact.path("version").asString()).startsWith(sdk.getValue());
        assertThat(compact.path("failures")).as("refused by ai %s", sdk.getValue()).isEmpty();
        assertThat(compact.path("errors")).isEmpty();
        assertThat(compact.path("types").size()).isLessThan(raw.path("types").size());
        assertThat(compact.path("text").asString())
            .isNotEmpty()
            .isEqualTo(raw.path("text").asString());
        assertThat(compact.path("parts")).isEqualTo(raw.path("parts"));
        assertThat(compact.path("finish")).isEqualTo(raw.path("finish"));
      }
    }
  }

  @Test
  void shouldCompactAPostStreamFacesResumptionWithPreferCompact() throws Exception {
    String token = TestApi.freshToken();
    String body =
        "{\"conversation_id\":\"compact-"
            + UUID.randomUUID()
            + "\",\"message\":\"Write a story\","
            + "\"simulation\":{\"output_tokens\":200,\"tokens_per_second\":0}}";
    String url = "http://127.0.0.1:" + port + "/api/v1/chat/stream";
    PostSse.Answer whole =
        PostSse.post(url, Map.of("Authorization", "Bearer " + token), body, Integer.MAX_VALUE);
    List<PostSse.Event> tokens =
        whole.events().stream().filter(e -> "message".equals(e.event())).toList();
    assertThat(tokens.size()).isGreaterThan(100);
    String after = tokens.get(9).id();

    PostSse.Answer raw =
        PostSse.post(
            url,
            Map.of("Authorization", "Bearer " + token, "Last-Event-ID", after),
            body,
            Integer.MAX_VALUE);
    PostSse.Answer compact =
        PostSse.post(
            url,
            Map.of("Authorization", "Bearer " + token, "Last-Event-ID", after, "Prefer", "compact"),
            body,
            Integer.MAX_VALUE);

    assertThat(compact.status()).isEqualTo(200);
    assertThat(compact.response().headers().firstValue("Preference-Applied")).contains("compact");
    List<PostSse.Event> merged =
        compact.events().stream().filter(e -> "message".equals(e.event())).toList();
    assertThat(merged).hasSize(1);
    assertThat(merged.getFirst().id()).isEqualTo(tokens.getLast().id());
    assertThat(compact.tokens()).isEqualTo(raw.tokens());
    assertThat(raw.tokens()).hasSizeGreaterThan(0);
    assertThat(compact.done().data()).isEqualTo(raw.done().data());
    assertThat(compact.done().id()).isEqualTo(raw.done().id());
    assertThat(compact.done().data().path("full_response").asString()).isEqualTo(whole.tokens());
  }

  @Test
  void shouldAnswerABadCompactValueWith400InTheFacesDialect() {
    TestApi api = api();
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    String run =
        api.post("/api/v1/runs", token, "{\"input\":\"hi\",\"simulation\":{\"output_tokens\":5}}")
            .json()
            .path("run_uuid")
            .asString();
    TestApi.Answer canonical = api.get("/api/v1/runs/" + run + "/stream?compact=maybe", token);
    assertThat(canonical.status()).isEqualTo(400);
    assertThat(canonical.header("Content-Type")).startsWith("application/problem+json");
    assertThat(canonical.json().path("detail").asString()).contains("compact");

    TestApi.Answer started =
        api.send(
            HttpRequest.newBuilder(URI.create(api.base() + "/ai/agent/stream"))
                .header("Authorization", "Bearer " + token)
                .header("orgid", org)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"task\":\"hi\",\"simulation\":{\"output_tokens\":5}}"))
                .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    TestApi.Answer agent =
        api.send(
            HttpRequest.newBuilder(
                    URI.create(
                        api.base()
                            + "/ai/stream/"
                            + started.json().path("streamId").asString()
                            + "?compact=2"))
                .header("Authorization", "Bearer " + token)
                .header("orgid", org)
                .GET()
                .build());
    assertThat(agent.status()).as(agent.body()).isEqualTo(400);
    assertThat(agent.body()).contains("compact").doesNotContain("Exception");
  }

  /** A run started with {@code body} on the runs primitive, once its stream has ended. */
  private static String finishedRun(TestApi api, String token, String body) {
    TestApi.Answer started = api.post("/api/v1/runs", token, body);
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String run = started.json().path("run_uuid").asString();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + run, token).json().path("status").asString())
                    .isEqualTo("completed"));
    return run;
  }

  private static List<TestApi.Event> read(
      TestApi api, String path, String token, Map<String, String> headers)
      throws InterruptedException {
    try (TestApi.Stream stream = api.stream(path, token, headers)) {
      assertThat(stream.status).isEqualTo(200);
      return stream.untilDone(WAIT);
    }
  }

  /** The stream's events as {@code id data} lines, {@code [DONE]} left out. */
  private static List<String> frames(List<TestApi.Event> events) {
    return events.stream().filter(e -> !e.done()).map(e -> e.id() + " " + e.json()).toList();
  }

  /**
   * The raw events as a compact catch-up has them: each run of consecutive deltas of one type and
   * part as one event, the last one's, with their text.
   */
  private static List<String> merged(List<TestApi.Event> raw) {
    List<String> out = new ArrayList<>();
    TestApi.Event pending = null;
    StringBuilder text = new StringBuilder();
    for (TestApi.Event event : raw) {
      if (event.done()) {
        continue;
      }
      JsonNode json = event.json();
      boolean delta = DELTAS.contains(event.type());
      if (pending != null
          && !(delta
              && event.type().equals(pending.type())
              && json.path("id").equals(pending.json().path("id")))) {
        out.add(frame(pending, text));
        pending = null;
        text.setLength(0);
      }
      if (delta) {
        pending = event;
        text.append(json.path("delta").asString());
      } else {
        out.add(event.id() + " " + json);
      }
    }
    if (pending != null) {
      out.add(frame(pending, text));
    }
    return out;
  }

  private static String frame(TestApi.Event last, CharSequence text) {
    ObjectNode json = (ObjectNode) last.json();
    json.put("delta", text.toString());
    return last.id() + " " + json;
  }

  private static List<TestApi.Event> after(List<TestApi.Event> events, long seq) {
    return events.stream().filter(e -> e.done() || e.seq() > seq).toList();
  }

  private static List<TestApi.Event> upTo(List<TestApi.Event> events, long seq) {
    return events.stream().filter(e -> !e.done() && e.seq() <= seq).toList();
  }

  private static long count(List<TestApi.Event> events, String type) {
    return events.stream().filter(e -> e.type().equals(type)).count();
  }

  /**
   * The stream at {@code path} as the SDK in {@code folder} reads it (read-stream.mjs's one JSON
   * line).
   */
  private JsonNode parse(Path node, String folder, String path, String token) throws Exception {
    ExternalClients.Finished run =
        ExternalClients.run(
            SDKS,
            Duration.ofMinutes(1),
            node.toString(),
            "read-stream.mjs",
            folder,
            api().base() + path,
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    return TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
  }
}
