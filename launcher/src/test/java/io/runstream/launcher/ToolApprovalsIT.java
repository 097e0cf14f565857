package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.core.store.ToolApprovalStore;
import io.runstream.worker.approval.ParkedRuns;
import io.runstream.worker.intake.RunRequestIntake;
import io.runstream.worker.lease.LeaseReaper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Issue #27 item 4: tool approvals on the real broker and PostgreSQL. A call of a server tool
 * configured {@code needs-approval} ({@link ApprovalTestTools}) or of a client tool declared {@code
 * needsApproval: true} streams the AI SDK's {@code tool-approval-request} and the run parks: no
 * worker holds it (no thread, no lease). {@code POST /api/v1/runs/{uuid}/tool-approvals} lets it go
 * on (the call runs) or tells the model the call was denied ({@code tool-output-denied}); an
 * approval nobody answers times out; a stop ends a parked run; and a parked run survives the
 * worker's restart.
 */
class ToolApprovalsIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Autowired JdbcClient jdbc;
  @Autowired RunRequestIntake intake;
  @Autowired ParkedRuns parkedRuns;
  @Autowired LeaseReaper reaper;

  /** A run whose simulated model calls {@code approval.transfer}, then says "Done.". */
  private static String transferRun(String extra) {
    return "{\"input\":\"Send 5 to Bob\",\"simulation\":{\"tokens_per_second\":0,\"script\":["
        + "{\"type\":\"call\",\"name\":\""
        + ApprovalTestTools.TRANSFER
        + "\",\"input\":{\"amount\":5}},"
        + "{\"type\":\"text\",\"text\":\"Done.\"}]}"
        + extra
        + "}";
  }

  /** Reads until the approval request (inclusive). */
  static List<TestApi.Event> untilApprovalRequest(TestApi.Stream read) throws InterruptedException {
    List<TestApi.Event> events = new ArrayList<>();
    while (true) {
      TestApi.Event next = read.next(WAIT);
      assertThat(next).as("the approval request, after %s", events).isNotNull();
      events.add(next);
      assertThat(next.done()).as("ended before its approval request: %s", events).isFalse();
      if (next.type().equals("tool-approval-request")) {
        return events;
      }
    }
  }

  private static JsonNode first(List<TestApi.Event> events, String type) {
    return AgentToolsIT.first(AgentToolsIT.parts(events), type);
  }

  private void assertParked(String runId) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        jdbc.sql("SELECT worker_id FROM runs WHERE id = ?")
                            .param(UUID.fromString(runId))
                            .query(String.class)
                            .single())
                    .isEqualTo(ToolApprovalStore.PARKED));
    assertThat(
            jdbc.sql("SELECT lease_expires_at IS NULL FROM runs WHERE id = ?")
                .param(UUID.fromString(runId))
                .query(Boolean.class)
                .single())
        .as("a parked run has no lease")
        .isTrue();
  }

  private static void assertIdsIncrease(List<TestApi.Event> events) {
    assertThat(events.stream().filter(e -> !e.done()).toList())
        .extracting(TestApi.Event::seq)
        .isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  void shouldStreamAnApprovalRequestParkTheRunAndRunTheApprovedCall() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    int callsBefore = ApprovalTestTools.CALLS.get();
    // One step calls a tool that needs no approval and one that does: the first runs at once (as
    // the AI SDK's streamText runs it), the second waits.
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"Note it, then send 5 to Bob\",\"simulation\":{\"tokens_per_second\":0,\"script\":["
                + "{\"type\":\"call\",\"name\":\"memory.store\",\"input\":{\"key\":\"payee\",\"value\":\"Bob\"}},"
                + "{\"type\":\"call\",\"name\":\"approval.transfer\",\"input\":{\"amount\":5}},"
                + "{\"type\":\"text\",\"text\":\"Done.\"}]}}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    String runId = run.json().path("run_uuid").asString();
    List<TestApi.Event> events;
    JsonNode request;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = untilApprovalRequest(read);
      request = events.getLast().json();
      JsonNode call =
          AgentToolsIT.parts(events).stream()
              .filter(p -> p.path("type").asString().equals("tool-input-available"))
              .filter(p -> p.path("toolName").asString().equals(ApprovalTestTools.TRANSFER))
              .findFirst()
              .orElseThrow();
      // memory.store was answered before the approval request.
      assertThat(first(events, "tool-output-available")).isNotNull();
      assertThat(request.path("approvalId").asString())
          .as("the approval id names its run")
          .isEqualTo(runId + ":" + call.path("toolCallId").asString());
      // The AI SDK's chunk, field for field.
      assertThat(request.path("toolCallId").asString())
          .isEqualTo(call.path("toolCallId").asString());
      assertThat(request.path("approvalId").asString()).isNotBlank();
      assertParked(runId);
      assertThat(ApprovalTestTools.CALLS.get())
          .as("not run before approval")
          .isEqualTo(callsBefore);
      assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
          .isEqualTo("running");

      // Errors in the canonical dialect: validation, unknown approval, someone else's run.
      String path = "/api/v1/runs/" + runId + "/tool-approvals";
      assertThat(api.post(path, token, "{\"approved\":true}").status()).isEqualTo(400);
      assertThat(
              api.post(
                      path,
                      token,
                      "{\"approvalId\":\"" + request.path("approvalId").asString() + "\"}")
                  .status())
          .isEqualTo(400);
      TestApi.Answer unknown =
          api.post(path, token, "{\"approvalId\":\"approval_nope\",\"approved\":true}");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.json().path("code").asString()).isEqualTo("approval_not_found");
      String approval =
          "{\"approvalId\":\"" + request.path("approvalId").asString() + "\",\"approved\":true}";
      assertThat(api.post(path, TestApi.freshToken(), approval).status()).isEqualTo(404);

      TestApi.Answer approved = api.post(path, token, approval);
      assertThat(approved.status()).as(approved.body()).isEqualTo(202);
      assertThat(approved.json().path("approved").asBoolean()).isTrue();
      // The same answer again is harmless; a different one is a conflict.
      assertThat(api.post(path, token, approval).status()).isEqualTo(202);
      TestApi.Answer changed =
          api.post(path, token, approval.replace("\"approved\":true", "\"approved\":false"));
      assertThat(changed.status()).isEqualTo(409);
      assertThat(changed.json().path("code").asString()).isEqualTo("approval_already_answered");
      events.addAll(read.untilDone(WAIT));
    }
    List<JsonNode> parts = AgentToolsIT.parts(events);
    assertThat(
            parts.stream()
                .filter(p -> p.path("type").asString().equals("tool-output-available"))
                .map(p -> p.path("output").path("transferred").asDouble())
                .toList())
        .contains(5.0);
    assertThat(AgentToolsIT.text(parts)).contains("Done.");
    assertThat(parts.getLast().path("type").asString()).isEqualTo("finish");
    assertThat(parts.stream().filter(p -> p.path("type").asString().equals("start")).count())
        .as("one start: the parked run goes on in the same message")
        .isEqualTo(1);
    assertThat(ApprovalTestTools.CALLS.get()).isEqualTo(callsBefore + 1);
    assertIdsIncrease(events);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("completed"));
    // A replay shows the whole run, the approval request included, with the same ids.
    try (TestApi.Stream replay = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      assertThat(replay.untilDone(WAIT)).isEqualTo(events);
    }
  }

  @Test
  void shouldTellTheModelADeniedCallWasNotRunAndGoOn() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    int callsBefore = ApprovalTestTools.CALLS.get();
    // A session message's run (the canonical face's session stream).
    TestApi.Answer created =
        api.post(
            "/api/v1/sessions",
            token,
            "{\"text\":\"Send 5 to Bob\",\"simulation\":{\"tokens_per_second\":0,\"script\":["
                + "{\"type\":\"call\",\"name\":\"approval.transfer\",\"input\":{\"amount\":5}},"
                + "{\"type\":\"text\",\"text\":\"Understood.\"}]}}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String runId = created.json().path("run_uuid").asString();
    List<TestApi.Event> events;
    try (TestApi.Stream read =
        api.stream(
            "/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token)) {
      events = untilApprovalRequest(read);
      String approvalId = events.getLast().json().path("approvalId").asString();
      TestApi.Answer denied =
          api.post(
              "/api/v1/runs/" + runId + "/tool-approvals",
              token,
              "{\"approvalId\":\""
                  + approvalId
                  + "\",\"approved\":false,\"reason\":\"Bob is not a payee\"}");
      assertThat(denied.status()).as(denied.body()).isEqualTo(202);
      events.addAll(read.untilDone(WAIT));
    }
    JsonNode deniedPart = first(events, "tool-output-denied");
    assertThat(deniedPart.path("toolCallId").asString())
        .isEqualTo(first(events, "tool-approval-request").path("toolCallId").asString());
    assertThat(AgentToolsIT.parts(events))
        .noneMatch(p -> p.path("type").asString().equals("tool-output-available"));
    assertThat(AgentToolsIT.text(AgentToolsIT.parts(events))).contains("Understood.");
    assertThat(ApprovalTestTools.CALLS.get()).as("a denied call never runs").isEqualTo(callsBefore);
    assertIdsIncrease(events);
  }

  @Test
  void shouldGoOnOnlyOnceEveryApprovalOfTheStepIsAnswered() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"Send 1 and 2\",\"simulation\":{\"tokens_per_second\":0,\"script\":["
                + "{\"type\":\"call\",\"name\":\"approval.transfer\",\"input\":{\"amount\":1}},"
                + "{\"type\":\"call\",\"name\":\"approval.transfer\",\"input\":{\"amount\":2}},"
                + "{\"type\":\"text\",\"text\":\"Both answered.\"}]}}");
    String runId = run.json().path("run_uuid").asString();
    String path = "/api/v1/runs/" + runId + "/tool-approvals";
    List<TestApi.Event> events;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = untilApprovalRequest(read);
      events.addAll(untilApprovalRequest(read));
      List<JsonNode> requests =
          AgentToolsIT.parts(events).stream()
              .filter(p -> p.path("type").asString().equals("tool-approval-request"))
              .toList();
      assertThat(requests).hasSize(2);
      assertParked(runId);
      assertThat(
              api.post(
                      path,
                      token,
                      "{\"approvalId\":\""
                          + requests.get(0).path("approvalId").asString()
                          + "\",\"approved\":true}")
                  .status())
          .isEqualTo(202);
      // One answer of two: the run stays parked, nothing streams.
      assertThat(read.next(Duration.ofMillis(1500))).isNull();
      assertParked(runId);
      assertThat(
              api.post(
                      path,
                      token,
                      "{\"approvalId\":\""
                          + requests.get(1).path("approvalId").asString()
                          + "\",\"approved\":false}")
                  .status())
          .isEqualTo(202);
      events.addAll(read.untilDone(WAIT));
    }
    List<JsonNode> parts = AgentToolsIT.parts(events);
    assertThat(first(events, "tool-output-available").path("output").path("transferred").asDouble())
        .isEqualTo(1.0);
    assertThat(first(events, "tool-output-denied")).isNotNull();
    assertThat(AgentToolsIT.text(parts)).contains("Both answered.");
    assertIdsIncrease(events);
  }

  @Test
  void shouldDenyAnApprovalNobodyAnsweredInTime() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run = api.post("/api/v1/runs", token, transferRun(""));
    String runId = run.json().path("run_uuid").asString();
    List<TestApi.Event> events;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = untilApprovalRequest(read);
      assertParked(runId);
      // Its runstream.worker.approval-timeout has passed.
      jdbc.sql("UPDATE run_parkings SET deadline = now() - interval '1 second' WHERE run_id = ?")
          .param(UUID.fromString(runId))
          .update();
      events.addAll(read.untilDone(WAIT));
    }
    assertThat(first(events, "tool-output-denied")).isNotNull();
    assertThat(AgentToolsIT.parts(events).getLast().path("type").asString()).isEqualTo("finish");
    String approvalId = first(events, "tool-approval-request").path("approvalId").asString();
    TestApi.Answer late =
        api.post(
            "/api/v1/runs/" + runId + "/tool-approvals",
            token,
            "{\"approvalId\":\"" + approvalId + "\",\"approved\":true}");
    assertThat(late.status()).isEqualTo(409);
  }

  @Test
  void shouldEndAParkedRunThatIsStopped() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run = api.post("/api/v1/runs", token, transferRun(""));
    String runId = run.json().path("run_uuid").asString();
    List<TestApi.Event> events;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = untilApprovalRequest(read);
      assertParked(runId);
      assertThat(api.post("/api/v1/runs/" + runId + "/cancel", token, "{}").status())
          .isEqualTo(202);
      events.addAll(read.untilDone(WAIT));
    }
    List<String> types =
        AgentToolsIT.parts(events).stream().map(p -> p.path("type").asString()).toList();
    assertThat(types).contains("tool-output-error", "abort");
    assertThat(types.getLast()).isEqualTo("finish");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api.get("/api/v1/runs/" + runId, token).json().path("status").asString())
                    .isEqualTo("cancelled"));
    String approvalId = first(events, "tool-approval-request").path("approvalId").asString();
    TestApi.Answer late =
        api.post(
            "/api/v1/runs/" + runId + "/tool-approvals",
            token,
            "{\"approvalId\":\"" + approvalId + "\",\"approved\":true}");
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.json().path("code").asString()).isEqualTo("no_pending_approval");
  }

  /**
   * A parked run holds nothing of its worker: the worker stops (its runs, its leases) and starts
   * again, the lease reaper finds nothing to end, and the approval lets the run go on, also for a
   * client tool declared {@code needsApproval: true}, whose result is then posted as usual.
   */
  @Test
  void shouldSurviveTheWorkersRestartWhileParkedAndGoOnWithAnApprovedClientTool() throws Exception {
    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer run =
        api.post(
            "/api/v1/runs",
            token,
            "{\"input\":\"Where am I?\",\"tools\":[{\"name\":\"getLocation\",\"needsApproval\":true}],"
                + "\"simulation\":{\"tokens_per_second\":0,\"script\":["
                + "{\"type\":\"call\",\"name\":\"getLocation\",\"input\":{}},"
                + "{\"type\":\"text\",\"text\":\"Found you.\"}]}}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    assertThat(
            api.post(
                    "/api/v1/runs",
                    token,
                    "{\"input\":\"x\",\"tools\":[{\"name\":\"t\",\"needsApproval\":\"yes\"}]}")
                .status())
        .isEqualTo(400);
    String runId = run.json().path("run_uuid").asString();
    List<TestApi.Event> events;
    try (TestApi.Stream read = api.stream("/api/v1/runs/" + runId + "/stream", token)) {
      events = untilApprovalRequest(read);
      assertParked(runId);
      intake.stop();
      parkedRuns.stop();
      try {
        assertThat(reaper.reapOnce()).isZero();
        assertThat(reaper.reapPredecessors()).isZero();
      } finally {
        intake.start();
        parkedRuns.start();
      }
      String approvalId = events.getLast().json().path("approvalId").asString();
      assertThat(
              api.post(
                      "/api/v1/runs/" + runId + "/tool-approvals",
                      token,
                      "{\"approvalId\":\"" + approvalId + "\",\"approved\":true}")
                  .status())
          .isEqualTo(202);
      String toolCallId = events.getLast().json().path("toolCallId").asString();
      // Approved: the client is asked to run its tool, as for any client tool.
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          api.post(
                                  "/api/v1/runs/" + runId + "/tool-results",
                                  token,
                                  "{\"toolCallId\":\""
                                      + toolCallId
                                      + "\",\"output\":{\"city\":\"Oslo\"}}")
                              .status())
                      .isEqualTo(202));
      events.addAll(read.untilDone(WAIT));
    }
    assertThat(first(events, "tool-output-available").path("output").path("city").asString())
        .isEqualTo("Oslo");
    assertThat(AgentToolsIT.text(AgentToolsIT.parts(events))).contains("Found you.");
    assertIdsIncrease(events);
  }
}
