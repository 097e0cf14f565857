package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Issue #27 item 3, double-texting (docs/faces/canonical.md, ADR 0016): {@code multitask_strategy}
 * on a session's new message and on a run with a {@code session_uuid}: {@code reject} (409, the
 * default), {@code enqueue}, {@code interrupt}, {@code rollback}; the agent-stream face's {@code
 * conversationId} with {@code multitaskStrategy}.
 */
class DoubleTextingIT extends PlatformIT {
  @Autowired JdbcClient jdbc;

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** A live run that lasts (40 s at 5 tokens per second) unless stopped. */
  private static final String SLOW =
      "\"simulation\":{\"tokens_per_second\":5,\"output_tokens\":200}";

  private static final String FAST =
      "\"simulation\":{\"tokens_per_second\":0,\"output_tokens\":20}";

  private record Session(String token, String id, String runId, String messageId) {}

  private Session session(String text, String simulation) {
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api().post("/api/v1/sessions", token, "{\"text\":\"" + text + "\"," + simulation + "}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonNode json = created.json();
    return new Session(
        token,
        json.path("uuid").asString(),
        json.path("run_uuid").asString(),
        json.path("message_uuid").asString());
  }

  private TestApi.Answer message(Session session, String body) {
    return api().post("/api/v1/sessions/" + session.id() + "/messages", session.token(), body);
  }

  private JsonNode run(Session session, String runId) {
    return api().get("/api/v1/runs/" + runId, session.token()).json();
  }

  private String status(Session session, String runId) {
    return run(session, runId).path("status").asString();
  }

  private void awaitStatus(Session session, String runId, String status) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(status(session, runId)).isEqualTo(status));
  }

  private JsonNode transcript(Session session) {
    return api()
        .get("/api/v1/sessions/" + session.id() + "/messages", session.token())
        .json()
        .path("results");
  }

  /**
   * The session's stream as a client reads it across {@code runs} runs: from the start, then each
   * time the stream ends after {@code [DONE]}, again with {@code Last-Event-ID} of its last event.
   * The events without {@code [DONE]}.
   */
  private List<TestApi.Event> sessionStream(Session session, int runs) throws Exception {
    List<TestApi.Event> all = new ArrayList<>();
    String last = "0";
    for (int i = 0; i < runs; i++) {
      try (TestApi.Stream stream =
          api().stream(
              "/api/v1/sessions/" + session.id() + "/stream",
              session.token(),
              Map.of("Last-Event-ID", last))) {
        assertThat(stream.status)
            .as("reading run %d of the session after id %s", i + 1, last)
            .isEqualTo(200);
        List<TestApi.Event> events = stream.untilDone(WAIT);
        assertThat(events).as("run %d after id %s", i + 1, last).isNotEmpty();
        assertThat(events.getLast().done())
            .as("run %d ends with [DONE]: %s", i + 1, events)
            .isTrue();
        events.stream().filter(event -> !event.done()).forEach(all::add);
        last = all.getLast().id();
      }
    }
    return all;
  }

  /** Every id follows the one before it: strictly increasing, no gap, across the runs. */
  private static void assertContiguous(List<TestApi.Event> events) {
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).seq())
          .as("id after %s (%s)", events.get(i - 1).id(), events.get(i).data())
          .isEqualTo(events.get(i - 1).seq() + 1);
    }
  }

  /**
   * The events of the run whose {@code start} names {@code messageId}, up to its {@code finish}.
   */
  private static List<TestApi.Event> runEvents(List<TestApi.Event> events, String messageId) {
    int from = -1;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type().equals("start")
          && events.get(i).json().path("messageId").asString().equals(messageId)) {
        from = i;
      }
    }
    assertThat(from).as("a start of message %s in %s", messageId, events).isNotNegative();
    int to = from;
    while (!events.get(to).type().equals("finish")) {
      to++;
    }
    return events.subList(from, to + 1);
  }

  private static String text(List<TestApi.Event> events) {
    StringBuilder text = new StringBuilder();
    events.stream()
        .filter(e -> e.type().equals("text-delta"))
        .forEach(e -> text.append(e.json().path("delta").asString()));
    return text.toString();
  }

  private static Instant at(JsonNode run, String field) {
    return Instant.parse(run.path(field).asString());
  }

  /** Waits until the run's own stream shows text. */
  private void awaitText(Session session, String runId) throws Exception {
    try (TestApi.Stream stream =
        api().stream("/api/v1/runs/" + runId + "/stream", session.token())) {
      TestApi.Event event;
      do {
        event = stream.next(WAIT);
        assertThat(event).as("a text-delta of run %s", runId).isNotNull();
      } while (!event.type().equals("text-delta"));
    }
  }

  @Test
  void shouldRejectASecondMessageWhileARunIsLiveByDefaultAndWhenAsked() {
    Session session = session("Tell me a long story", SLOW);
    for (String body :
        List.of(
            "{\"text\":\"And another\"}",
            "{\"text\":\"And another\",\"multitask_strategy\":\"reject\"}")) {
      TestApi.Answer answer = message(session, body);
      assertThat(answer.status()).as(answer.body()).isEqualTo(409);
      assertThat(answer.json().path("code").asString()).isEqualTo("run_in_progress");
    }
    TestApi.Answer run =
        api()
            .post(
                "/api/v1/runs",
                session.token(),
                "{\"input\":\"More\",\"session_uuid\":\""
                    + session.id()
                    + "\",\"multitask_strategy\":\"reject\"}");
    assertThat(run.status()).as(run.body()).isEqualTo(409);
    assertThat(transcript(session).size()).isEqualTo(2);
    api().post("/api/v1/sessions/" + session.id() + "/stream/stop", session.token(), "");
    awaitStatus(session, session.runId(), "cancelled");
  }

  @Test
  void shouldRunAnEnqueuedMessageAfterTheLiveRunOnTheSessionStreamWithContinuingIds()
      throws Exception {
    Session session =
        session("First question", "\"simulation\":{\"tokens_per_second\":10,\"output_tokens\":30}");
    TestApi.Answer second =
        message(
            session,
            "{\"text\":\"Second question\",\"multitask_strategy\":\"enqueue\"," + FAST + "}");
    assertThat(second.status()).as(second.body()).isEqualTo(201);
    String secondRun = second.json().path("run_uuid").asString();
    String secondMessage = second.json().path("uuid").asString();
    // Visible while it waits: queued, its user message in the transcript, behind the live run.
    assertThat(status(session, secondRun)).isEqualTo("queued");
    assertThat(status(session, session.runId())).isIn("queued", "running");
    JsonNode waiting = transcript(session);
    assertThat(waiting.size()).isEqualTo(4);
    assertThat(waiting.get(2).path("text").asString()).isEqualTo("Second question");

    List<TestApi.Event> events = sessionStream(session, 2);
    assertContiguous(events);
    List<TestApi.Event> first = runEvents(events, session.messageId());
    List<TestApi.Event> next = runEvents(events, secondMessage);
    assertThat(next.getFirst().seq()).isEqualTo(first.getLast().seq() + 1);
    assertThat(text(first)).isNotEmpty();
    assertThat(text(next)).isNotEmpty();

    awaitStatus(session, secondRun, "completed");
    assertThat(status(session, session.runId())).isEqualTo("completed");
    // It started only once the first had ended.
    assertThat(at(run(session, secondRun), "started_at"))
        .isAfterOrEqualTo(at(run(session, session.runId()), "finished_at"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode messages = transcript(session);
              assertThat(messages.size()).isEqualTo(4);
              assertThat(messages.get(0).path("text").asString()).isEqualTo("First question");
              assertThat(messages.get(1).path("text").asString()).isEqualTo(text(first));
              assertThat(messages.get(2).path("text").asString()).isEqualTo("Second question");
              assertThat(messages.get(3).path("uuid").asString()).isEqualTo(secondMessage);
              assertThat(messages.get(3).path("text").asString()).isEqualTo(text(next));
              assertThat(messages.get(3).path("status").asString()).isEqualTo("completed");
            });
  }

  @Test
  void shouldRunSeveralEnqueuedRunsInOrderAndLetOneBeCancelledWhileItWaits() throws Exception {
    Session session = session("Long answer please", SLOW);
    List<String> runs = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    for (String text : List.of("Queued B", "Queued C")) {
      // B through the runs primitive with the session, C through the session's messages.
      TestApi.Answer answer =
          text.endsWith("B")
              ? api()
                  .post(
                      "/api/v1/runs",
                      session.token(),
                      "{\"input\":\""
                          + text
                          + "\",\"session_uuid\":\""
                          + session.id()
                          + "\",\"multitask_strategy\":\"enqueue\","
                          + FAST
                          + "}")
              : message(
                  session,
                  "{\"text\":\"" + text + "\",\"multitask_strategy\":\"enqueue\"," + FAST + "}");
      assertThat(answer.status()).as(answer.body()).isIn(201, 202);
      runs.add(answer.json().path("run_uuid").asString());
      messages.add(
          answer.json().has("message_uuid")
              ? answer.json().path("message_uuid").asString()
              : answer.json().path("uuid").asString());
    }
    TestApi.Answer cancel =
        api().post("/api/v1/runs/" + runs.get(0) + "/cancel", session.token(), "");
    assertThat(cancel.status()).isEqualTo(202);
    assertThat(status(session, runs.get(1))).isEqualTo("queued");
    // The live run is stopped: the cancelled B ends at once when its turn comes, then C runs.
    awaitText(session, session.runId());
    api().post("/api/v1/sessions/" + session.id() + "/stream/stop", session.token(), "");

    List<TestApi.Event> events = sessionStream(session, 3);
    assertContiguous(events);
    assertThat(runEvents(events, session.messageId()).stream().map(TestApi.Event::type))
        .contains("abort");
    assertThat(runEvents(events, messages.get(0)).stream().map(TestApi.Event::type))
        .contains("abort")
        .doesNotContain("text-delta");
    assertThat(text(runEvents(events, messages.get(1)))).isNotEmpty();

    awaitStatus(session, runs.get(1), "completed");
    assertThat(status(session, session.runId())).isEqualTo("cancelled");
    assertThat(status(session, runs.get(0))).isEqualTo("cancelled");
    JsonNode a = run(session, session.runId());
    JsonNode b = run(session, runs.get(0));
    JsonNode c = run(session, runs.get(1));
    assertThat(at(b, "started_at")).isAfterOrEqualTo(at(a, "finished_at"));
    assertThat(at(c, "started_at")).isAfterOrEqualTo(at(b, "finished_at"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode transcript = transcript(session);
              assertThat(transcript.size()).isEqualTo(6);
              assertThat(transcript.get(2).path("text").asString()).isEqualTo("Queued B");
              assertThat(transcript.get(3).path("status").asString()).isEqualTo("cancelled");
              assertThat(transcript.get(4).path("text").asString()).isEqualTo("Queued C");
              assertThat(transcript.get(5).path("status").asString()).isEqualTo("completed");
            });
  }

  @Test
  void shouldStartAnEnqueuedRunWhenTheLiveRunsWorkerWasLostAndItWasReaped() throws Exception {
    Session session = session("A run whose worker dies", SLOW);
    TestApi.Answer second =
        message(
            session, "{\"text\":\"Still there?\",\"multitask_strategy\":\"enqueue\"," + FAST + "}");
    assertThat(second.status()).as(second.body()).isEqualTo(201);
    String secondRun = second.json().path("run_uuid").asString();
    awaitText(session, session.runId());
    assertThat(status(session, secondRun)).isEqualTo("queued");
    // The worker loses the live run (as LostWorkerIT): the lease reaper ends it failed.
    jdbc.sql(
            "UPDATE runs SET worker_id = 'lost-worker', lease_expires_at = now() - interval '1 second' WHERE id = ?")
        .param(UUID.fromString(session.runId()))
        .update();

    List<TestApi.Event> events = sessionStream(session, 2);
    List<TestApi.Event> first = runEvents(events, session.messageId());
    List<TestApi.Event> next = runEvents(events, second.json().path("uuid").asString());
    assertThat(events).extracting(TestApi.Event::seq).isSorted().doesNotHaveDuplicates();
    assertThat(next.getFirst().seq()).isEqualTo(first.getLast().seq() + 1);
    awaitStatus(session, secondRun, "completed");
    assertThat(run(session, session.runId()).path("error").path("code").asString())
        .isEqualTo("worker_lost");
  }

  @Test
  void shouldInterruptTheLiveRunKeepingItsPartialTextAndStartTheNewOne() throws Exception {
    Session session = session("Write an essay", SLOW);
    awaitText(session, session.runId());
    TestApi.Answer second =
        message(
            session,
            "{\"text\":\"Actually, be brief\",\"multitask_strategy\":\"interrupt\"," + FAST + "}");
    assertThat(second.status()).as(second.body()).isEqualTo(201);
    String secondRun = second.json().path("run_uuid").asString();
    String secondMessage = second.json().path("uuid").asString();

    List<TestApi.Event> events = sessionStream(session, 2);
    assertContiguous(events);
    List<TestApi.Event> first = runEvents(events, session.messageId());
    assertThat(first.stream().map(TestApi.Event::type)).contains("abort", "data-usage");
    List<TestApi.Event> next = runEvents(events, secondMessage);
    assertThat(next.getFirst().seq()).isEqualTo(first.getLast().seq() + 1);

    awaitStatus(session, secondRun, "completed");
    assertThat(status(session, session.runId())).isEqualTo("cancelled");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode messages = transcript(session);
              assertThat(messages.size()).isEqualTo(4);
              assertThat(messages.get(1).path("status").asString()).isEqualTo("cancelled");
              assertThat(messages.get(1).path("text").asString())
                  .isNotEmpty()
                  .isEqualTo(text(first));
              assertThat(messages.get(2).path("text").asString()).isEqualTo("Actually, be brief");
              assertThat(messages.get(3).path("status").asString()).isEqualTo("completed");
            });
  }

  @Test
  void shouldRollBackTheInterruptedTurnFromTheTranscriptAndTheNextRunsHistory() throws Exception {
    String model = "\"model\":\"" + FakeModels.OPENAI + "/qwen3:8b\"";
    String kept = "kept-" + UUID.randomUUID();
    String dropped = "dropped-" + UUID.randomUUID();
    String asked = "asked-" + UUID.randomUUID();
    Session session = session("Hello " + kept, model);
    awaitStatus(session, session.runId(), "completed");
    int stalled = FakeModels.get().openAi().stalling();
    TestApi.Answer stalling =
        message(session, "{\"text\":\"Please stall mid-stream " + dropped + "\"," + model + "}");
    assertThat(stalling.status()).as(stalling.body()).isEqualTo(201);
    String stallingRun = stalling.json().path("run_uuid").asString();
    await().atMost(WAIT).until(() -> FakeModels.get().openAi().stalling() > stalled);

    TestApi.Answer next =
        message(
            session,
            "{\"text\":\"Next " + asked + "\",\"multitask_strategy\":\"rollback\"," + model + "}");
    assertThat(next.status()).as(next.body()).isEqualTo(201);
    String nextRun = next.json().path("run_uuid").asString();
    // The rolled-back turn left the transcript at once.
    assertThat(transcript(session).toString()).doesNotContain(dropped);

    awaitStatus(session, nextRun, "completed");
    assertThat(status(session, stallingRun)).isEqualTo("cancelled");
    JsonNode messages = transcript(session);
    assertThat(messages.size()).isEqualTo(4);
    assertThat(messages.get(0).path("text").asString()).contains(kept);
    assertThat(messages.get(2).path("text").asString()).contains(asked);
    assertThat(messages.toString()).doesNotContain(dropped).doesNotContain("Thinking");
    assertThat(
            api()
                .get("/api/v1/sessions/" + session.id() + "/messages", session.token())
                .json()
                .path("count")
                .asLong())
        .isEqualTo(4);

    // What the model was sent for the next run: the turn before, not the rolled-back one.
    String prompt =
        FakeModels.get().openAi().requests().stream()
            .filter(body -> body.contains(asked))
            .findFirst()
            .orElseThrow();
    assertThat(prompt).contains(kept).doesNotContain(dropped).doesNotContain("Thinking");
    // The interrupted run itself stays readable, cancelled with its partial text.
    List<TestApi.Event> interrupted;
    try (TestApi.Stream stream =
        api().stream("/api/v1/runs/" + stallingRun + "/stream", session.token())) {
      interrupted = stream.untilDone(WAIT);
    }
    assertThat(text(interrupted)).isEqualTo("Thinking ");
    assertThat(interrupted.stream().map(TestApi.Event::type)).contains("abort", "finish");
  }

  @Test
  void shouldAnswer400NamingTheFieldForAnUnknownStrategyOnEveryFace() {
    Session session = session("Hi", FAST);
    for (String bad : List.of("\"later\"", "1", "\"ENQUEUE\"")) {
      TestApi.Answer answer =
          message(session, "{\"text\":\"x\",\"multitask_strategy\":" + bad + "}");
      assertThat(answer.status()).as(answer.body()).isEqualTo(400);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
      assertThat(answer.json().path("errors").get(0).path("field").asString())
          .isEqualTo("multitask_strategy");
      TestApi.Answer run =
          api()
              .post(
                  "/api/v1/runs",
                  session.token(),
                  "{\"input\":\"x\",\"session_uuid\":\""
                      + session.id()
                      + "\",\"multitask_strategy\":"
                      + bad
                      + "}");
      assertThat(run.status()).as(run.body()).isEqualTo(400);
      assertThat(run.json().path("errors").get(0).path("field").asString())
          .isEqualTo("multitask_strategy");
    }
    AgentStreamIT.Caller caller = AgentStreamIT.caller();
    TestApi.Answer agent =
        startAgent(
            caller, "{\"task\":\"hi\",\"conversationId\":\"c\",\"multitaskStrategy\":\"soon\"}");
    assertThat(agent.status()).as(agent.body()).isEqualTo(400);
    assertThat(agent.json().path("statusCode").asInt()).isEqualTo(400);
    assertThat(agent.json().path("message").asString()).contains("multitaskStrategy");
  }

  private TestApi.Answer startAgent(AgentStreamIT.Caller caller, String body) {
    return api()
        .send(
            HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                .header("orgid", caller.org())
                .header("Authorization", "Bearer " + caller.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
  }

  private List<TestApi.Event> readAgent(AgentStreamIT.Caller caller, String streamId)
      throws Exception {
    try (TestApi.Stream stream =
        api().stream("/ai/stream/" + streamId, caller.token(), caller.orgid())) {
      assertThat(stream.status).isEqualTo(200);
      return stream.all(WAIT);
    }
  }

  @Test
  void shouldApplyTheStrategyToTheAgentStreamFacesConversationId() throws Exception {
    AgentStreamIT.Caller caller = AgentStreamIT.caller();
    String conversation = "conv-" + UUID.randomUUID();
    TestApi.Answer first =
        startAgent(
            caller,
            "{\"task\":\"Long one\",\"conversationId\":\"" + conversation + "\"," + SLOW + "}");
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    String firstStream = first.json().path("streamId").asString();
    // The default (reject): 409 in the face's JSON.
    TestApi.Answer rejected =
        startAgent(caller, "{\"task\":\"Again\",\"conversationId\":\"" + conversation + "\"}");
    assertThat(rejected.status()).as(rejected.body()).isEqualTo(409);
    assertThat(rejected.json().path("statusCode").asInt()).isEqualTo(409);

    TestApi.Answer second =
        startAgent(
            caller,
            "{\"task\":\"Short one\",\"conversationId\":\""
                + conversation
                + "\",\"multitaskStrategy\":\"interrupt\","
                + FAST
                + "}");
    assertThat(second.status()).as(second.body()).isEqualTo(200);
    String secondStream = second.json().path("streamId").asString();
    List<TestApi.Event> one = readAgent(caller, firstStream);
    List<TestApi.Event> two = readAgent(caller, secondStream);
    assertThat(one.getLast().event()).isEqualTo("end");
    assertThat(two.getLast().event()).isEqualTo("end");
    assertThat(
            two.stream()
                .anyMatch(
                    e ->
                        "data".equals(e.event())
                            && e.json().path("type").asString().equals("text")))
        .isTrue();
    assertThat(two.getFirst().seq()).isGreaterThan(one.getLast().seq());
    assertThat(
            api()
                .get("/api/v1/runs/" + firstStream, caller.token())
                .json()
                .path("status")
                .asString())
        .isEqualTo("cancelled");
  }
}
