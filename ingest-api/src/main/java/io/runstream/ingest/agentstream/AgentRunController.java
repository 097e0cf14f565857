package io.runstream.ingest.agentstream;

import io.runstream.admission.AdmissionProperties;
import io.runstream.admission.AdmittedRun;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunAdmission;
import io.runstream.admission.RunInput;
import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.schemas.RunRequested;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /ai/agent/stream} (seed 001): {@code task} is the message, {@code agentRole} one of
 * the configured roles, {@code agentInstructions} the system message, {@code conversationHistory}
 * inline history, {@code conversationId} the face's key of the user's session (its last messages
 * are the history, both turns are stored under it, and it is one of the user's sessions on the
 * canonical face too), {@code settings.model} the model; {@code context}, {@code memoryTtl}, {@code
 * clientMcpTools}, {@code availableTools}, {@code files} and {@code images} are validated and go to
 * the worker with the run. Answers 200 {@code {"streamId"}}, the run's id, once the broker
 * acknowledged the run.
 */
@RestController
public class AgentRunController {
  private static final int MAX_KEY_CHARS = 200;
  private static final long MAX_MEMORY_TTL_SECONDS = 366L * 24 * 3600;

  private final CallerResolver callers;
  private final RunAdmission admission;
  private final RequestFields fields;
  private final AdmissionProperties properties;
  private final ApiLimits limits;

  public AgentRunController(
      CallerResolver callers,
      RunAdmission admission,
      RequestFields fields,
      AdmissionProperties properties,
      ApiLimits limits) {
    this.callers = callers;
    this.admission = admission;
    this.fields = fields;
    this.properties = properties;
    this.limits = limits;
  }

  /** Kicks off a run; its events are read from {@code GET /ai/stream/{streamId}}. */
  @PostMapping(
      path = "/ai/agent/stream",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> start(@RequestBody JsonNode raw, HttpServletRequest request) {
    Caller caller = callers.current();
    AgentStreamFace.checkOrganisation(caller, request.getHeader(AgentStreamFace.ORG_HEADER));
    JsonNode body = fields.object(raw);
    String task = fields.messageText(body, "task");
    String role = fields.optionalText(body, "agentRole", 100);
    if (role != null && !properties.agentRoles().contains(role)) {
      throw ApiException.invalid(
          "agentRole",
          "unknown agent role '"
              + role
              + "'; available: "
              + String.join(", ", properties.agentRoles()));
    }
    String conversationId = fields.optionalText(body, "conversationId", MAX_KEY_CHARS);
    if (conversationId != null && conversationId.isBlank()) {
      throw ApiException.invalid("conversationId", "must not be blank");
    }
    JsonNode settings = fields.jsonObject(body, "settings", limits.maxMetadataBytes() * 4);
    RunRequested.ModelRef model =
        settings == null
            ? null
            : fields.model(settings, "model", properties.defaultModelProvider());
    RunInput input =
        // The face's fields first, then the shared ones: a request with several wrong fields is
        // told of the same one first as before.
        RunInput.builder(task)
            .extras(
                extras ->
                    extras
                        .face(AgentStreamFace.ID, conversationId)
                        .agentRole(role == null ? properties.agentRoles().getFirst() : role)
                        .context(fields.jsonObject(body, "context", limits.maxMetadataBytes() * 4))
                        .settings(settings)
                        .tools(fields.tools(body, "clientMcpTools"))
                        .availableTools(fields.toolNames(body, "availableTools"))
                        .files(fields.files(body, "files"))
                        .images(fields.images(body, "images"))
                        .memoryTtlSeconds(
                            fields.wholeNumber(body, "memoryTtl", 1, MAX_MEMORY_TTL_SECONDS))
                        .historyLimit(properties.agentStreamHistory()))
            .model(model)
            .instructions(fields.optionalText(body, "agentInstructions", limits.maxTextChars()))
            .history(fields.history(body, "conversationHistory"))
            .simulation(fields.simulation(body, "simulation"))
            .build();
    // Double-texting on a conversationId (ADR 0016): the face's own field, else the configured
    // default.
    var strategy =
        fields.multitaskStrategy(body, "multitaskStrategy", properties.defaultMultitaskStrategy());
    AdmittedRun run = admission.admit(caller, input, strategy);
    return Map.of("streamId", run.runId().toString());
  }
}
