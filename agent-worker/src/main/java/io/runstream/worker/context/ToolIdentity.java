package io.runstream.worker.context;

import io.runstream.schemas.RunRequested;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Tools act for the authenticated user only: every argument named {@code user_id}, at any depth, is overwritten with
 * the run's user id (the token's {@code sub}), whatever the model wrote (seed 000's secure identity context, enforced
 * rather than asked for).
 */
public final class ToolIdentity {
  /** The argument name that always carries the authenticated user. */
  public static final String FIELD = "user_id";

  private ToolIdentity() {}

  /** The arguments with every {@code user_id} set to the run's user; the same node when there is none to set. */
  public static JsonNode enforce(JsonNode input, RunRequested request) {
    if (input == null || request.identity() == null || !mentions(input)) {
      return input;
    }
    JsonNode copy = input.deepCopy();
    overwrite(copy, request.identity().userId());
    return copy;
  }

  private static boolean mentions(JsonNode node) {
    if (node.isObject()) {
      if (node.has(FIELD)) {
        return true;
      }
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (mentions(field.getValue())) {
          return true;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        if (mentions(item)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void overwrite(JsonNode node, String userId) {
    if (node instanceof ObjectNode object) {
      if (object.has(FIELD)) {
        object.set(FIELD, StringNode.valueOf(userId));
      }
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (!field.getKey().equals(FIELD)) {
          overwrite(field.getValue(), userId);
        }
      }
    } else if (node != null && node.isArray()) {
      for (JsonNode item : node) {
        overwrite(item, userId);
      }
    }
  }
}
