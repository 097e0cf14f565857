package io.runstream.fanout.projectchat;

import io.runstream.admission.AdmissionProperties;
import io.runstream.admission.RequestFields;
import io.runstream.admission.RunInput;
import io.runstream.admission.RunRequestMapper;
import io.runstream.core.face.ProjectChatFace;
import io.runstream.core.face.ProjectChatProperties;
import io.runstream.core.identity.Caller;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The project-chat face's request mapper (seed 002, docs/faces/project-chat.md): the request is
 * validated as the seed's Pydantic model would (422 with every error), sanitised ({@link
 * InputSanitizer}), and mapped to a run: {@code conversation_id} is the user's conversation (its
 * stored turns are the history when the request has none), {@code project_id} scopes the knowledge
 * store, {@code user_name} and {@code document_type}'s template go into the system prompt, {@code
 * existing_documents} are given to the model as documents, {@code metadata} is stored with the
 * messages (and, on the legacy {@code generate}, is the run's context). Runstream's extensions (not
 * in the seed): {@code model} picks a model as on every face; {@code simulation} drives the
 * simulated model.
 */
@Component
public class ProjectChatRequests implements RunRequestMapper<ProjectChatRequests.ChatRequest> {
  static final int MAX_KEY = 200;
  static final int MAX_USER_NAME = 100;
  static final int MAX_DOCUMENTS = 50;
  static final int MAX_DOCUMENT_CHARS = 200_000;
  static final Map<String, String> TEMPLATES =
      Map.of(
          "PROJECT_MANIFESTO",
          "Write the project manifesto: the problem, the vision, who it is for, goals and non-goals, guiding principles.",
          "ARCHITECTURE_SPEC",
          "Write the architecture specification: context, components and their responsibilities, data flow, interfaces, "
              + "quality attributes, and each decision with its trade-offs.",
          "DOMAIN_LANGUAGE",
          "Write the domain language: every term of the domain with a precise definition, how terms relate, and the words "
              + "to avoid.",
          "TECH_STACK",
          "Write the technology stack: each layer's choice with its version, why it was chosen, and what was rejected.");

  private final RequestFields fields;
  private final ProjectChatProperties properties;
  private final AdmissionProperties admission;

  public ProjectChatRequests(
      RequestFields fields, ProjectChatProperties properties, AdmissionProperties admission) {
    this.fields = fields;
    this.properties = properties;
    this.admission = admission;
  }

  /**
   * The chat request, validated and sanitised, with its body (for the fields read only when a run
   * starts: {@code model}, {@code simulation}) and the run's context (the legacy endpoint's
   * metadata), if any.
   */
  public record ChatRequest(
      String conversationId,
      String message,
      String projectId,
      String userName,
      String documentType,
      List<RunRequested.HistoryEntry> history,
      Map<String, String> existingDocuments,
      String metadataJson,
      JsonNode body,
      JsonNode context) {}

  @Override
  public String face() {
    return ProjectChatFace.ID;
  }

  /**
   * Reads the body of {@code POST /api/v1/chat/stream} ({@code chat}) or of the legacy {@code POST
   * /api/v1/chat/generate}: 422 in FastAPI's shape for anything the seed would refuse.
   */
  public ChatRequest read(String raw, boolean chat) {
    JsonNode body = parse(raw);
    ChatRequest request = validate(body, chat);
    if (chat) {
      return request;
    }
    // Seed 002: the legacy endpoint's metadata is "injected into the orchestrator context".
    JsonNode metadata = body.get("metadata");
    return new ChatRequest(
        request.conversationId(),
        request.message(),
        request.projectId(),
        request.userName(),
        request.documentType(),
        request.history(),
        request.existingDocuments(),
        request.metadataJson(),
        body,
        metadata != null && metadata.isObject() && !metadata.isEmpty() ? metadata : null);
  }

  @Override
  public RunInput input(Caller caller, ChatRequest chat) {
    List<RunRequested.FileRef> documents = new ArrayList<>();
    chat.existingDocuments()
        .forEach(
            (path, content) ->
                documents.add(
                    new RunRequested.FileRef(path, null, null, content, "text/markdown")));
    return RunInput.builder(chat.message())
        .metadataJson(chat.metadataJson())
        .model(fields.model(chat.body(), "model", admission.defaultModelProvider()))
        .instructions(instructions(chat))
        .history(chat.history())
        .simulation(fields.simulation(chat.body(), "simulation"))
        .extras(
            extras ->
                extras
                    .face(ProjectChatFace.ID, chat.conversationId())
                    .context(chat.context())
                    .files(documents.isEmpty() ? null : documents)
                    .projectId(chat.projectId()))
        .build();
  }

  /** The system prompt: the assistant's role, the user's name, the document type's template. */
  static String instructions(ChatRequest chat) {
    StringBuilder prompt =
        new StringBuilder(
            "You are the project's documentation assistant: you help write and refine the documents that define a "
                + "software project, consistent with the project's existing documents.");
    if (chat.userName() != null && !chat.userName().isBlank()) {
      prompt.append(" You are talking with ").append(chat.userName().strip()).append('.');
    }
    prompt
        .append("\nDocument type: ")
        .append(chat.documentType())
        .append(". ")
        .append(
            TEMPLATES.getOrDefault(
                chat.documentType(), "Answer the user's request about the project."));
    return prompt.toString();
  }

  private static JsonNode parse(String raw) {
    if (raw == null || raw.isBlank()) {
      throw ProjectChatFace.unprocessable(
          List.of(ProjectChatFace.error(List.of("body"), "Field required", "missing")));
    }
    try {
      return EventJson.MAPPER.readTree(raw);
    } catch (RuntimeException e) {
      throw ProjectChatFace.unprocessable(
          List.of(ProjectChatFace.error(List.of("body", 0), "JSON decode error", "json_invalid")));
    }
  }

  /** The request as Pydantic would validate it: every error at once, 422. */
  ChatRequest validate(JsonNode body, boolean chat) {
    List<Map<String, Object>> errors = new ArrayList<>();
    if (body == null || !body.isObject()) {
      throw ProjectChatFace.unprocessable(
          List.of(
              ProjectChatFace.error(
                  List.of("body"),
                  "Input should be a valid dictionary or object to extract fields from",
                  "model_attributes_type")));
    }
    String conversationId = chat ? string(body, "conversation_id", true, 1, MAX_KEY, errors) : null;
    String message = string(body, "message", true, 1, properties.maxMessageLength(), errors);
    String projectId = chat ? string(body, "project_id", false, 1, MAX_KEY, errors) : null;
    String userName = chat ? string(body, "user_name", false, 0, MAX_USER_NAME, errors) : null;
    String documentType = string(body, "document_type", false, 1, 64, errors);
    List<RunRequested.HistoryEntry> history = history(body, errors);
    Map<String, String> documents = chat ? documents(body, errors) : Map.of();
    JsonNode metadata = body.get("metadata");
    if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", "metadata"), "Input should be a valid dictionary", "dict_type"));
    }
    if (errors.isEmpty() && message != null && InputSanitizer.text(message).isBlank()) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", "message"),
              "Value error, message is empty once markup and prompt markers are removed",
              "value_error"));
    }
    if (!errors.isEmpty()) {
      throw ProjectChatFace.unprocessable(errors);
    }
    String metadataJson =
        metadata == null || metadata.isNull() ? null : fields.metadata(body, "metadata");
    return new ChatRequest(
        conversationId,
        InputSanitizer.text(message).strip(),
        projectId,
        userName == null ? null : InputSanitizer.text(userName).strip(),
        documentType == null ? "UNSORTED" : documentType,
        history,
        documents,
        metadataJson,
        body,
        null);
  }

  private static String string(
      JsonNode body,
      String field,
      boolean required,
      int min,
      int max,
      List<Map<String, Object>> errors) {
    JsonNode value = body.get(field);
    List<Object> loc = List.of("body", field);
    if (value == null || (value.isNull() && required)) {
      if (required) {
        errors.add(ProjectChatFace.error(loc, "Field required", "missing"));
      }
      return null;
    }
    if (value.isNull()) {
      return null;
    }
    if (!value.isString()) {
      errors.add(ProjectChatFace.error(loc, "Input should be a valid string", "string_type"));
      return null;
    }
    String text = value.asString();
    // Characters as Python counts them: code points.
    int length = text.codePointCount(0, text.length());
    if (text.strip().length() < min) {
      errors.add(
          withContext(
              ProjectChatFace.error(
                  loc,
                  "String should have at least " + min + " character" + (min == 1 ? "" : "s"),
                  "string_too_short"),
              "min_length",
              min));
      return null;
    }
    if (length > max) {
      errors.add(
          withContext(
              ProjectChatFace.error(
                  loc, "String should have at most " + max + " characters", "string_too_long"),
              "max_length",
              max));
      return null;
    }
    if (text.indexOf('\u0000') >= 0) {
      errors.add(
          ProjectChatFace.error(loc, "Value error, NUL characters are not allowed", "value_error"));
      return null;
    }
    return text;
  }

  private List<RunRequested.HistoryEntry> history(JsonNode body, List<Map<String, Object>> errors) {
    JsonNode value = body.get("history");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", "history"), "Input should be a valid list", "list_type"));
      return null;
    }
    int max = properties.maxHistoryMessages();
    if (value.size() > max) {
      Map<String, Object> error =
          ProjectChatFace.error(
              List.of("body", "history"),
              "List should have at most " + max + " items after validation, not " + value.size(),
              "too_long");
      error.put(
          "ctx", Map.of("field_type", "List", "max_length", max, "actual_length", value.size()));
      errors.add(error);
      return null;
    }
    List<RunRequested.HistoryEntry> history = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode entry = value.get(i);
      if (!entry.isObject()) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "history", i), "Input should be a valid dictionary", "dict_type"));
        continue;
      }
      JsonNode role = entry.get("role");
      if (role == null || role.isNull()) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "history", i, "role"), "Field required", "missing"));
      } else if (!role.isString()
          || !List.of("user", "assistant", "system").contains(role.asString())) {
        Map<String, Object> error =
            ProjectChatFace.error(
                List.of("body", "history", i, "role"),
                "Input should be 'user', 'assistant' or 'system'",
                "literal_error");
        error.put("ctx", Map.of("expected", "'user', 'assistant' or 'system'"));
        errors.add(error);
      }
      JsonNode content = entry.get("content");
      if (content == null || content.isNull()) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "history", i, "content"), "Field required", "missing"));
      } else if (!content.isString()) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "history", i, "content"),
                "Input should be a valid string",
                "string_type"));
      } else if (content.asString().codePointCount(0, content.asString().length())
          > properties.maxMessageLength()) {
        Map<String, Object> error =
            ProjectChatFace.error(
                List.of("body", "history", i, "content"),
                "String should have at most " + properties.maxMessageLength() + " characters",
                "string_too_long");
        error.put("ctx", Map.of("max_length", properties.maxMessageLength()));
        errors.add(error);
      } else if (role != null && role.isString()) {
        history.add(
            new RunRequested.HistoryEntry(
                role.asString(), InputSanitizer.text(content.asString())));
      }
    }
    return history.isEmpty() ? null : history;
  }

  private static Map<String, String> documents(JsonNode body, List<Map<String, Object>> errors) {
    JsonNode value = body.get("existing_documents");
    if (value == null || value.isNull()) {
      return Map.of();
    }
    if (!value.isObject()) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", "existing_documents"),
              "Input should be a valid dictionary",
              "dict_type"));
      return Map.of();
    }
    if (value.size() > MAX_DOCUMENTS) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", "existing_documents"),
              "Value error, at most " + MAX_DOCUMENTS + " documents",
              "value_error"));
      return Map.of();
    }
    Map<String, String> documents = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      if (!entry.getValue().isString()) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "existing_documents", entry.getKey()),
                "Input should be a valid string",
                "string_type"));
      } else if (entry.getValue().asString().length() > MAX_DOCUMENT_CHARS) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "existing_documents", entry.getKey()),
                "String should have at most " + MAX_DOCUMENT_CHARS + " characters",
                "string_too_long"));
      } else if (entry.getKey().isBlank() || entry.getKey().length() > 500) {
        errors.add(
            ProjectChatFace.error(
                List.of("body", "existing_documents", entry.getKey()),
                "Value error, a document's path is 1 to 500 characters",
                "value_error"));
      } else {
        documents.put(
            InputSanitizer.markers(entry.getKey()),
            InputSanitizer.markers(entry.getValue().asString()));
      }
    }
    return documents;
  }

  private static Map<String, Object> withContext(Map<String, Object> error, String key, int value) {
    error.put("ctx", Map.of(key, value));
    return error;
  }
}
