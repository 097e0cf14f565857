package io.runstream.fanout.responses;

import io.runstream.core.store.RunRow;
import io.runstream.schemas.EventJson;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a Response says about its request (its id, creation time, model, instructions, metadata,
 * tools and sampling, background, the response it continues): kept with the run's user message (its
 * metadata, under {@value #KEY}), so that a Response read later says what the one streamed said.
 *
 * @param id {@code resp_} and the run's id in hex
 * @param createdAt when the run was accepted, Unix seconds
 */
record ResponseEnvelope(
    String id,
    long createdAt,
    String model,
    String instructions,
    JsonNode metadata,
    ArrayNode tools,
    Double temperature,
    Double topP,
    Long maxOutputTokens,
    boolean background,
    String previousResponseId) {

  /** The prefix of a Response's id. */
  static final String PREFIX = "resp_";

  /** The key of the envelope in the user message's metadata. */
  static final String KEY = "openai_response";

  /**
   * A Response's place in its run: the run, and the seq after which its events start (0: the run's
   * start; else the seq of the client tool call that ended the Response before it).
   */
  record Ref(UUID runId, long after) {}

  /** The Response id of a run's first Response. */
  static String id(UUID runId) {
    return PREFIX + runId.toString().replace("-", "");
  }

  /** The Response id of the part of a run after {@code after} (0: the whole run). */
  static String id(UUID runId, long after) {
    return after <= 0 ? id(runId) : id(runId) + "_" + after;
  }

  /** The run of a Response id; empty for anything that is not one. */
  static Optional<UUID> runId(String responseId) {
    return ref(responseId).map(Ref::runId);
  }

  /** The run and part of a Response id; empty for anything that is not one. */
  static Optional<Ref> ref(String responseId) {
    if (responseId == null || !responseId.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = responseId.substring(PREFIX.length());
    long after = 0;
    int underscore = rest.indexOf('_');
    if (underscore >= 0) {
      String seq = rest.substring(underscore + 1);
      if (seq.isEmpty() || seq.length() > 18 || !seq.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return Optional.empty();
      }
      after = Long.parseLong(seq);
      rest = rest.substring(0, underscore);
    }
    String hex = rest;
    if (hex.length() != 32
        || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Optional.empty();
    }
    return Optional.of(
        new Ref(
            new UUID(
                HexFormat.fromHexDigitsToLong(hex.substring(0, 16)),
                HexFormat.fromHexDigitsToLong(hex.substring(16))),
            after));
  }

  /**
   * This envelope as the Response of the part of its run after {@code after}, continuing {@code
   * previous}.
   */
  ResponseEnvelope after(UUID runId, long after, String previous) {
    return new ResponseEnvelope(
        id(runId, after),
        createdAt,
        model,
        instructions,
        metadata,
        tools,
        temperature,
        topP,
        maxOutputTokens,
        background,
        previous);
  }

  /** The envelope's request part, as stored in the user message's metadata. */
  ObjectNode stored() {
    ObjectNode node = EventJson.MAPPER.createObjectNode();
    node.put("model", model);
    node.put("instructions", instructions);
    node.set("metadata", metadata);
    node.set("tools", tools);
    node.put("temperature", temperature);
    node.put("top_p", topP);
    node.put("max_output_tokens", maxOutputTokens);
    node.put("background", background);
    node.put("previous_response_id", previousResponseId);
    return node;
  }

  /** This envelope for its run (id and creation time). */
  ResponseEnvelope of(RunRow run) {
    return new ResponseEnvelope(
        id(run.id()),
        run.createdAt().getEpochSecond(),
        model == null ? run.modelProvider() + "/" + run.modelId() : model,
        instructions,
        metadata,
        tools,
        temperature,
        topP,
        maxOutputTokens,
        background,
        previousResponseId);
  }

  /**
   * The envelope of {@code run} from its user message's metadata ({@code stored}); a run started by
   * another face reads as a plain Response of its model.
   */
  static ResponseEnvelope read(RunRow run, JsonNode stored) {
    JsonNode node = stored == null ? null : stored.get(KEY);
    if (node == null || !node.isObject()) {
      return new ResponseEnvelope(
          id(run.id()),
          run.createdAt().getEpochSecond(),
          run.modelProvider() + "/" + run.modelId(),
          null,
          EventJson.MAPPER.createObjectNode(),
          EventJson.MAPPER.createArrayNode(),
          null,
          null,
          null,
          false,
          null);
    }
    return new ResponseEnvelope(
        id(run.id()),
        run.createdAt().getEpochSecond(),
        text(node, "model", run.modelProvider() + "/" + run.modelId()),
        text(node, "instructions", null),
        node.path("metadata").isObject()
            ? node.get("metadata")
            : EventJson.MAPPER.createObjectNode(),
        node.path("tools").isArray()
            ? (ArrayNode) node.get("tools")
            : EventJson.MAPPER.createArrayNode(),
        node.path("temperature").isNumber() ? node.get("temperature").asDouble() : null,
        node.path("top_p").isNumber() ? node.get("top_p").asDouble() : null,
        node.path("max_output_tokens").isNumber() ? node.get("max_output_tokens").asLong() : null,
        node.path("background").asBoolean(false),
        text(node, "previous_response_id", null));
  }

  private static String text(JsonNode node, String field, String otherwise) {
    JsonNode value = node.get(field);
    return value == null || !value.isString() ? otherwise : value.asString();
  }
}
