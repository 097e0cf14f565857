package io.runstream.ingest.context;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.ContextNodeStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * A user's context nodes: {@code GET /api/v1/context/nodes}, {@code PUT} and {@code DELETE
 * /api/v1/context/nodes/{label}}. A user manages their own; an administrator (the {@code admin}
 * claim) may manage any user of the organisation with {@code ?user=<sub>}. Workers cache a user's
 * nodes for {@code runstream.context.nodes-cache-ttl} (5 minutes), so a change reaches runs within
 * that time.
 */
@RestController
@RequestMapping(path = "/api/v1/context/nodes", produces = MediaType.APPLICATION_JSON_VALUE)
public class ContextNodesController {
  static final int MAX_LABEL = 100;
  static final int MAX_CONTENT = 4_000;
  static final int MAX_NODES = 200;

  private final CallerResolver callers;
  private final ContextNodeStore nodes;

  public ContextNodesController(CallerResolver callers, ContextNodeStore nodes) {
    this.callers = callers;
    this.nodes = nodes;
  }

  /** {@code {"user": sub, "nodes": [{label, content, weight, updated_at}]}}, heaviest first. */
  @GetMapping
  public Map<String, Object> list(@RequestParam(name = "user", required = false) String user) {
    Caller caller = callers.current();
    UUID userId = target(caller, user);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("user", user == null ? caller.subject() : user);
    answer.put(
        "nodes",
        nodes.top(caller.orgId(), userId, MAX_NODES).stream()
            .map(ContextNodesController::view)
            .toList());
    return answer;
  }

  /** Creates or replaces a node: {@code {"content": "...", "weight": 0.8}}. */
  @PutMapping(path = "/{label}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> put(
      @PathVariable("label") String label,
      @RequestParam(name = "user", required = false) String user,
      @RequestBody JsonNode body) {
    Caller caller = callers.current();
    UUID userId = target(caller, user);
    if (label.isBlank()
        || label.length() > MAX_LABEL
        || label.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid(
          "label", "must be 1 to " + MAX_LABEL + " characters without control characters");
    }
    if (body == null || !body.isObject()) {
      throw ApiException.invalid("body", "must be a JSON object {content, weight}");
    }
    JsonNode content = body.get("content");
    if (content == null
        || !content.isString()
        || content.asString().isBlank()
        || content.asString().length() > MAX_CONTENT
        || content.asString().indexOf('\u0000') >= 0) {
      throw ApiException.invalid("content", "is required: 1 to " + MAX_CONTENT + " characters");
    }
    JsonNode weight = body.get("weight");
    double value = 1.0;
    if (weight != null && !weight.isNull()) {
      if (!weight.isNumber() || !Double.isFinite(weight.asDouble())) {
        throw ApiException.invalid("weight", "must be a finite number");
      }
      value = weight.asDouble();
    }
    if (nodes.count(caller.orgId(), userId) >= MAX_NODES
        && nodes.top(caller.orgId(), userId, MAX_NODES).stream()
            .noneMatch(n -> n.label().equals(label))) {
      throw ApiException.invalid(
          "label", "a user has at most " + MAX_NODES + " nodes; delete one first");
    }
    return view(nodes.put(caller.orgId(), userId, label, content.asString(), value));
  }

  /** Deletes a node: 204, or 404 when there is none with this label. */
  @DeleteMapping("/{label}")
  public ResponseEntity<Void> delete(
      @PathVariable("label") String label,
      @RequestParam(name = "user", required = false) String user) {
    Caller caller = callers.current();
    if (!nodes.delete(caller.orgId(), target(caller, user), label)) {
      throw ApiException.notFound("Context node");
    }
    return ResponseEntity.noContent().build();
  }

  private UUID target(Caller caller, String user) {
    if (user == null || user.equals(caller.subject())) {
      return caller.userId();
    }
    if (!caller.admin()) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "Forbidden",
          "Managing another user's context nodes takes the admin claim.");
    }
    if (user.isBlank() || user.length() > 200 || user.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid("user", "must be a user's sub");
    }
    return callers.userOf(caller.orgId(), user);
  }

  private static Map<String, Object> view(ContextNodeStore.Node node) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("label", node.label());
    view.put("content", node.content());
    view.put("weight", node.weight());
    view.put("updated_at", node.updatedAt().toString());
    return view;
  }
}
