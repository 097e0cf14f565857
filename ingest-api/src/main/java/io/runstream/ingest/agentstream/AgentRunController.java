package io.runstream.ingest.agentstream;

import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.ingest.agentstream.AgentStreamRequests.AgentRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /ai/agent/stream} (seed 001): the {@code orgid} must name the token's organisation;
 * the request is read and mapped to a run by {@link AgentStreamRequests} (its {@code
 * conversationId} is one of the user's sessions on the canonical face too). Answers 200 {@code
 * {"streamId"}}, the run's id, once the broker acknowledged the run.
 */
@RestController
public class AgentRunController {
  private final CallerResolver callers;
  private final RunAdmission admission;
  private final AgentStreamRequests requests;

  public AgentRunController(
      CallerResolver callers, RunAdmission admission, AgentStreamRequests requests) {
    this.callers = callers;
    this.admission = admission;
    this.requests = requests;
  }

  /** Kicks off a run; its events are read from {@code GET /ai/stream/{streamId}}. */
  @PostMapping(
      path = AgentStreamFace.POST_PATH,
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> start(@RequestBody JsonNode raw, HttpServletRequest request) {
    Caller caller = callers.current();
    AgentStreamFace.checkOrganisation(caller, request.getHeader(AgentStreamFace.ORG_HEADER));
    AgentRequest agent = requests.read(raw);
    RunInput input = requests.input(caller, agent);
    AdmittedRun run = admission.admit(caller, input, requests.strategy(agent));
    return Map.of("streamId", run.runId().toString());
  }
}
