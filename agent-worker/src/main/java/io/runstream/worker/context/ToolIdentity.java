package io.runstream.worker.context;

import io.runstream.schemas.RunRequested;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Tools act for the authenticated user only: every argument naming the user ({@code user_id}, and
 * the same name in any case with or without {@code _} or {@code -}: {@code userId}, {@code
 * user-id}, {@code UserID}, {@code userid}), at any depth, is overwritten with the run's user id
 * (the token's {@code sub}), whatever the model wrote (seed 000's secure identity context, enforced
 * rather than asked for).
 */
public final class ToolIdentity {
  /**
   * The argument name that always carries the authenticated user, as the identity block names it.
   */
  public static final String FIELD = "user_id";

  private ToolIdentity() {}

  /**
   * Whether an argument's name names the user: {@code user_id}, {@code userId}, {@code user-id},
   * ...
   */
  public static boolean names(String field) {
    if (field.length() < 6 || field.length() > 8) {
      return false;
    }
    StringBuilder letters = new StringBuilder(6);
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c != '_' && c != '-') {
        letters.append(Character.toLowerCase(c));
      }
    }
    return letters.toString().equals("userid");
  }

  /**
   * The arguments with every user argument set to the run's user; the same node when there is none
   * to set.
   */
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
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (names(field.getKey()) || mentions(field.getValue())) {
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
      List<String> users = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (names(field.getKey())) {
          users.add(field.getKey());
        } else {
          overwrite(field.getValue(), userId);
        }
      }
      users.forEach(name -> object.set(name, StringNode.valueOf(userId)));
    } else if (node != null && node.isArray()) {
      for (JsonNode item : node) {
        overwrite(item, userId);
      }
    }
  }
}
