package io.runstream.ingest.agentstream;

import io.runstream.admission.AdmissionProperties;
import io.runstream.admission.MultitaskStrategy;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunInput;
import io.runstream.admission.RunRequestMapper;
import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.schemas.RunRequested;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The agent-stream face's request mapper (seed 001): {@code task} is the message, {@code agentRole}
 * one of the configured roles, {@code agentInstructions} the system message, {@code
 * conversationHistory} inline history, {@code conversationId} the face's key of the user's session
 * (its last messages are the history, both turns are stored under it), {@code settings.model} the
 * model; {@code context}, {@code memoryTtl}, {@code clientMcpTools}, {@code availableTools}, {@code
 * files} and {@code images} are validated and go to the worker with the run; {@code
 * multitaskStrategy} is what the run does while one of its conversation is live (ADR 0016).
 */
@Component
public class AgentStreamRequests implements RunRequestMapper<AgentStreamRequests.AgentRequest> {
  private static final int MAX_KEY_CHARS = 200;
  private static final long MAX_MEMORY_TTL_SECONDS = 366L * 24 * 3600;

  private final RequestFields fields;
  private final AdmissionProperties properties;
  private final ApiLimits limits;

  public AgentStreamRequests(
      RequestFields fields, AdmissionProperties properties, ApiLimits limits) {
    this.fields = fields;
    this.properties = properties;
    this.limits = limits;
  }

  /**
   * The request's fields read first (the others are read by {@link #input}, in the order the face
   * always read them, so that a request with several wrong fields is told of the same one first).
   */
  public record AgentRequest(
      JsonNode body,
      String task,
      String role,
      String conversationId,
      JsonNode settings,
      RunRequested.ModelRef model) {}

  @Override
  public String face() {
    return AgentStreamFace.ID;
  }

  /** Reads the task, the role, the conversation and the model (400 with the field's name). */
  public AgentRequest read(JsonNode raw) {
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
    return new AgentRequest(body, task, role, conversationId, settings, model);
  }

  @Override
  public RunInput input(Caller caller, AgentRequest request) {
    JsonNode body = request.body();
    return RunInput.builder(request.task())
        .extras(
            extras ->
                extras
                    .face(AgentStreamFace.ID, request.conversationId())
                    .agentRole(
                        request.role() == null
                            ? properties.agentRoles().getFirst()
                            : request.role())
                    .context(fields.jsonObject(body, "context", limits.maxMetadataBytes() * 4))
                    .settings(request.settings())
                    .tools(fields.tools(body, "clientMcpTools"))
                    .availableTools(fields.toolNames(body, "availableTools"))
                    .files(fields.files(body, "files"))
                    .images(fields.images(body, "images"))
                    .memoryTtlSeconds(
                        fields.wholeNumber(body, "memoryTtl", 1, MAX_MEMORY_TTL_SECONDS))
                    .historyLimit(properties.agentStreamHistory()))
        .model(request.model())
        .instructions(fields.optionalText(body, "agentInstructions", limits.maxTextChars()))
        .history(fields.history(body, "conversationHistory"))
        .simulation(fields.simulation(body, "simulation"))
        .build();
  }

  /**
   * Double-texting on a conversationId (ADR 0016): the face's own field, else the configured
   * default.
   */
  public MultitaskStrategy strategy(AgentRequest request) {
    return fields.multitaskStrategy(
        request.body(), "multitaskStrategy", properties.defaultMultitaskStrategy());
  }
}
