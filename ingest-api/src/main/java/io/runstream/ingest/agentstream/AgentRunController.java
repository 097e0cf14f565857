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
    RunInput.Extras extras =
        new RunInput.Extras(
            AgentStreamFace.ID,
            conversationId,
            role == null ? properties.agentRoles().getFirst() : role,
            fields.jsonObject(body, "context", limits.maxMetadataBytes() * 4),
            settings,
            fields.tools(body, "clientMcpTools"),
            fields.toolNames(body, "availableTools"),
            fields.files(body, "files"),
            fields.images(body, "images"),
            fields.wholeNumber(body, "memoryTtl", 1, MAX_MEMORY_TTL_SECONDS),
            properties.agentStreamHistory(),
            null);
    RunInput input =
        new RunInput(
            null,
            task,
            null,
            null,
            model,
            fields.optionalText(body, "agentInstructions", limits.maxTextChars()),
            fields.history(body, "conversationHistory"),
            fields.simulation(body, "simulation"),
            extras);
    // Double-texting on a conversationId (ADR 0016): the face's own field, else the configured
    // default.
    var strategy =
        fields.multitaskStrategy(body, "multitaskStrategy", properties.defaultMultitaskStrategy());
    AdmittedRun run = admission.admit(caller, input, strategy);
    return Map.of("streamId", run.runId().toString());
  }
}
