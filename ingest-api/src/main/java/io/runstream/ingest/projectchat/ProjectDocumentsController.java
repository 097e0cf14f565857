package io.runstream.ingest.projectchat;

import io.runstream.core.face.ProjectChatFace;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.ProjectKnowledgeStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Project chat's knowledge store, per project of the caller's organisation: {@code POST
 * /api/v1/projects/{project_id}/documents} {@code {name, content, document_type?}} (201; the same
 * name replaces the document), {@code GET} (the project's documents) and {@code DELETE
 * .../documents/{id}} (204, 404). Documents are cut into chunks and searched by PostgreSQL
 * full-text search when a chat request names the project.
 */
@RestController
@RequestMapping(
    path = "/api/v1/projects/{projectId}/documents",
    produces = MediaType.APPLICATION_JSON_VALUE)
public class ProjectDocumentsController {
  static final int MAX_PROJECT_ID = 200;
  static final int MAX_NAME = 500;
  static final int MAX_TYPE = 64;

  private final CallerResolver callers;
  private final ProjectKnowledgeStore knowledge;

  public ProjectDocumentsController(CallerResolver callers, ProjectKnowledgeStore knowledge) {
    this.callers = callers;
    this.knowledge = knowledge;
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Map<String, Object>> add(
      @PathVariable("projectId") String projectId, @RequestBody JsonNode body) {
    Caller caller = callers.current();
    List<Map<String, Object>> errors = new ArrayList<>();
    project(projectId, errors);
    if (body == null || !body.isObject()) {
      throw ProjectChatFace.unprocessable(
          List.of(
              ProjectChatFace.error(
                  List.of("body"),
                  "Input should be a valid dictionary or object to extract fields from",
                  "model_attributes_type")));
    }
    String name = text(body, "name", MAX_NAME, true, errors);
    String content = text(body, "content", Integer.MAX_VALUE, true, errors);
    String type = text(body, "document_type", MAX_TYPE, false, errors);
    if (!errors.isEmpty()) {
      throw ProjectChatFace.unprocessable(errors);
    }
    checkOwner(caller, projectId);
    ProjectKnowledgeStore.Document document =
        knowledge.put(caller.orgId(), projectId, name, type, content);
    return ResponseEntity.status(HttpStatus.CREATED).body(view(document));
  }

  @GetMapping
  public Map<String, Object> list(@PathVariable("projectId") String projectId) {
    Caller caller = callers.current();
    List<Map<String, Object>> errors = new ArrayList<>();
    project(projectId, errors);
    if (!errors.isEmpty()) {
      throw ProjectChatFace.unprocessable(errors);
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("project_id", projectId);
    answer.put(
        "documents",
        knowledge.list(caller.orgId(), projectId).stream()
            .map(ProjectDocumentsController::view)
            .toList());
    return answer;
  }

  @DeleteMapping("/{documentId}")
  public ResponseEntity<Void> delete(
      @PathVariable("projectId") String projectId, @PathVariable("documentId") String documentId) {
    Caller caller = callers.current();
    UUID id;
    try {
      id = UUID.fromString(documentId);
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.NOT_FOUND, "not_found", "Not Found", "Document not found");
    }
    if (projectId.length() > MAX_PROJECT_ID) {
      throw new ApiException(HttpStatus.NOT_FOUND, "not_found", "Not Found", "Document not found");
    }
    // Deleting never claims a project: without an owner (documents from before owners) only
    // administrators may.
    boolean allowed =
        knowledge
            .existingOwner(caller.orgId(), projectId)
            .map(caller::mayActOn)
            .orElse(caller.admin());
    if (!allowed || !knowledge.delete(caller.orgId(), projectId, id)) {
      throw new ApiException(HttpStatus.NOT_FOUND, "not_found", "Not Found", "Document not found");
    }
    return ResponseEntity.noContent().build();
  }

  /**
   * Changing a project's documents is for the project's owner (who put its first document) and the
   * organisation's administrators; anyone else is answered 404, as for another organisation's
   * project. Reading stays open to the organisation (its chats search every project's documents).
   */
  private void checkOwner(Caller caller, String projectId) {
    if (!caller.mayActOn(knowledge.owner(caller.orgId(), projectId, caller.userId()))) {
      throw new ApiException(HttpStatus.NOT_FOUND, "not_found", "Not Found", "Project not found");
    }
  }

  private static void project(String projectId, List<Map<String, Object>> errors) {
    if (projectId.isBlank()
        || projectId.length() > MAX_PROJECT_ID
        || projectId.chars().anyMatch(Character::isISOControl)) {
      errors.add(
          ProjectChatFace.error(
              List.of("path", "project_id"),
              "String should have at most " + MAX_PROJECT_ID + " characters",
              "string_too_long"));
    }
  }

  private static String text(
      JsonNode body, String field, int max, boolean required, List<Map<String, Object>> errors) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        errors.add(ProjectChatFace.error(List.of("body", field), "Field required", "missing"));
      }
      return null;
    }
    if (!value.isString()) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", field), "Input should be a valid string", "string_type"));
      return null;
    }
    String text = value.asString();
    if (text.isBlank()) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", field),
              "String should have at least 1 character",
              "string_too_short"));
      return null;
    }
    if (text.length() > max) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", field),
              "String should have at most " + max + " characters",
              "string_too_long"));
      return null;
    }
    if (text.indexOf('\u0000') >= 0) {
      errors.add(
          ProjectChatFace.error(
              List.of("body", field),
              "Value error, NUL characters are not allowed",
              "value_error"));
      return null;
    }
    return text;
  }

  private static Map<String, Object> view(ProjectKnowledgeStore.Document document) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", document.id());
    view.put("name", document.name());
    view.put("document_type", document.documentType());
    view.put("chars", document.chars());
    view.put("chunks", document.chunks());
    view.put("created_at", document.createdAt().toString());
    return view;
  }
}
