package io.runstream.ingest.runs;

import io.runstream.admission.RequestFields;
import io.runstream.admission.control.ParkedRunWaker;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Ids;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.ToolApprovalStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Tool approvals (issue #27 item 4): {@code POST /api/v1/runs/{uuid}/tool-approvals {approvalId,
 * approved, reason?}} answers a {@code tool-approval-request} of the run. The run's owner (or an
 * administrator of its organisation) answers; anyone else gets 404, as for another organisation's
 * run. When the answer is the last one the run waits for, the parked run goes on (its request is
 * published again and a worker claims it): an approved call runs, a denied one is answered to the
 * model as denied ({@code tool-output-denied} on the stream).
 */
@RestController
@RequestMapping(path = "/api/v1/runs", produces = MediaType.APPLICATION_JSON_VALUE)
public class ToolApprovalController {
  /** Longest reason kept with an answer. */
  static final int MAX_REASON_CHARS = 2_000;

  private final CallerResolver callers;
  private final RequestFields fields;
  private final RunStore runs;
  private final ToolApprovalStore approvals;
  private final ParkedRunWaker waker;

  public ToolApprovalController(
      CallerResolver callers,
      RequestFields fields,
      RunStore runs,
      ToolApprovalStore approvals,
      ParkedRunWaker waker) {
    this.callers = callers;
    this.fields = fields;
    this.runs = runs;
    this.approvals = approvals;
    this.waker = waker;
  }

  /**
   * Answers an approval: 202 {@code {uuid, approvalId, approved}} (also when the same answer was
   * given already); 404 {@code approval_not_found} for an approval the run never asked; 409 {@code
   * approval_already_answered} for a different answer given before (or an approval that timed out),
   * 409 {@code no_pending_approval} when the run ended before it was answered.
   */
  @PostMapping(path = "/{runId}/tool-approvals", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> answer(
      @PathVariable String runId, @RequestBody JsonNode raw) {
    RunRow run = ownRun(callers.current(), runId);
    JsonNode body = fields.object(raw);
    String approvalId = fields.optionalText(body, "approvalId", 300);
    if (approvalId == null || approvalId.isBlank()) {
      throw ApiException.invalid("approvalId", "is required");
    }
    JsonNode approved = body.get("approved");
    if (approved == null || !approved.isBoolean()) {
      throw ApiException.invalid("approved", "is required: true or false");
    }
    String reason = fields.optionalText(body, "reason", MAX_REASON_CHARS);
    ToolApprovalStore.Answer answer =
        approvals.answer(run.id(), approvalId, approved.asBoolean(), reason, waker.lease());
    switch (answer.outcome()) {
      case UNKNOWN ->
          throw new ApiException(
              HttpStatus.NOT_FOUND,
              "approval_not_found",
              "Not Found",
              "The run has asked for no approval with this id.");
      case CONFLICT ->
          throw new ApiException(
              HttpStatus.CONFLICT,
              "approval_already_answered",
              "Conflict",
              "This approval was answered differently already (or timed out).");
      case ENDED ->
          throw new ApiException(
              HttpStatus.CONFLICT,
              "no_pending_approval",
              "Conflict",
              "The run ended before this approval was answered.");
      case DUE -> waker.publish(answer.requestJson());
      case RECORDED, SAME -> {}
    }
    Map<String, Object> body202 = new LinkedHashMap<>();
    body202.put("uuid", run.id());
    body202.put("approvalId", approvalId);
    body202.put("approved", approved.asBoolean());
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(body202);
  }

  private RunRow ownRun(Caller caller, String runId) {
    return runs.find(caller.orgId(), Ids.parse(runId, "Run"))
        .filter(run -> caller.mayActOn(run.userId()))
        .orElseThrow(() -> ApiException.notFound("Run"));
  }
}
