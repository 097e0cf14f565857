package io.runstream.schemas;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON codec of every Kafka record value. Unknown fields are ignored (changes are additive); an
 * unknown chunk type is kept as {@link ChunkData.Unrecognized}.
 */
public final class EventJson {

  /** The mapper used for every record value. */
  public static final JsonMapper MAPPER =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private static final Map<String, Class<? extends ChunkData>> CHUNK_TYPES =
      Map.ofEntries(
          Map.entry(ChunkData.RunStarted.TYPE, ChunkData.RunStarted.class),
          Map.entry(ChunkData.StepStarted.TYPE, ChunkData.StepStarted.class),
          Map.entry(ChunkData.TextStart.TYPE, ChunkData.TextStart.class),
          Map.entry(ChunkData.TextDelta.TYPE, ChunkData.TextDelta.class),
          Map.entry(ChunkData.TextEnd.TYPE, ChunkData.TextEnd.class),
          Map.entry(ChunkData.ReasoningStart.TYPE, ChunkData.ReasoningStart.class),
          Map.entry(ChunkData.ReasoningDelta.TYPE, ChunkData.ReasoningDelta.class),
          Map.entry(ChunkData.ReasoningEnd.TYPE, ChunkData.ReasoningEnd.class),
          Map.entry(ChunkData.ToolInputStart.TYPE, ChunkData.ToolInputStart.class),
          Map.entry(ChunkData.ToolCall.TYPE, ChunkData.ToolCall.class),
          Map.entry(ChunkData.ToolResult.TYPE, ChunkData.ToolResult.class),
          Map.entry(ChunkData.ToolApprovalRequest.TYPE, ChunkData.ToolApprovalRequest.class),
          Map.entry(ChunkData.Stage.TYPE, ChunkData.Stage.class),
          Map.entry(ChunkData.Doc.TYPE, ChunkData.Doc.class),
          Map.entry(ChunkData.Retrieved.TYPE, ChunkData.Retrieved.class),
          Map.entry(ChunkData.Image.TYPE, ChunkData.Image.class),
          Map.entry(ChunkData.Usage.TYPE, ChunkData.Usage.class),
          Map.entry(ChunkData.Error.TYPE, ChunkData.Error.class),
          Map.entry(ChunkData.StepFinished.TYPE, ChunkData.StepFinished.class),
          Map.entry(ChunkData.RunAborted.TYPE, ChunkData.RunAborted.class),
          Map.entry(ChunkData.RunFinished.TYPE, ChunkData.RunFinished.class));

  private EventJson() {}

  /**
   * The chunk's JSON bytes. Text and reasoning deltas (nearly every chunk of a run) are written
   * field by field, the rest through {@link #chunkTree}; both give the same bytes (issue #12: the
   * tree and the reflective binding of every delta were a third of the worker's per-delta
   * encoding).
   */
  public static byte[] writeChunk(RunChunk chunk) {
    String delta = FastChunks.delta(chunk.data());
    if (delta != null) {
      return FastChunks.write(chunk, delta);
    }
    return MAPPER.writeValueAsBytes(chunkTree(chunk));
  }

  /** The chunk as a JSON tree, in the wire's field order. */
  public static ObjectNode chunkTree(RunChunk chunk) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("v", chunk.v());
    node.put("runId", chunk.runId().toString());
    node.put("sessionId", chunk.sessionId().toString());
    node.put("seq", chunk.seq());
    node.put("ts", chunk.ts().toString());
    node.put("type", chunk.type());
    if (chunk.part() != null) {
      node.put("part", chunk.part());
    }
    node.set("data", dataTree(chunk.data()));
    return node;
  }

  /** The payload alone as a JSON tree. */
  public static JsonNode dataTree(ChunkData data) {
    if (data instanceof ChunkData.Unrecognized unrecognized) {
      return unrecognized.raw() == null ? MAPPER.createObjectNode() : unrecognized.raw();
    }
    return MAPPER.valueToTree(data);
  }

  /**
   * Reads a chunk.
   *
   * @throws IllegalArgumentException if the bytes are not a valid chunk
   */
  public static RunChunk readChunk(byte[] bytes) {
    RunChunk delta = FastChunks.read(bytes);
    return delta != null ? delta : readChunkTree(bytes);
  }

  /**
   * Reads a chunk through a JSON tree, whatever its shape: {@link #readChunk} does this for
   * everything but a text or reasoning delta in the usual shape.
   */
  static RunChunk readChunkTree(byte[] bytes) {
    try {
      return chunkFromTree(MAPPER.readTree(bytes));
    } catch (JacksonException e) {
      throw new IllegalArgumentException("not a chunk: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads a chunk from a JSON tree.
   *
   * @throws IllegalArgumentException if the tree is not a valid chunk
   */
  public static RunChunk chunkFromTree(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a chunk: not a JSON object");
    }
    String type = requiredText(node, "type");
    JsonNode part = node.get("part");
    try {
      return new RunChunk(
          node.path("v").asInt(0),
          UUID.fromString(requiredText(node, "runId")),
          UUID.fromString(requiredText(node, "sessionId")),
          node.path("seq").asLong(0),
          Instant.parse(requiredText(node, "ts")),
          part == null || part.isNull() ? null : part.asString(),
          readData(type, node.get("data")));
    } catch (DateTimeParseException | NullPointerException e) {
      throw new IllegalArgumentException("not a chunk: " + e.getMessage(), e);
    }
  }

  /** Reads a payload of the given wire type. */
  public static ChunkData readData(String type, JsonNode data) {
    JsonNode body = data == null || data.isNull() ? MAPPER.createObjectNode() : data;
    Class<? extends ChunkData> cls = CHUNK_TYPES.get(type);
    if (cls == null) {
      return new ChunkData.Unrecognized(type, body);
    }
    try {
      return MAPPER.treeToValue(body, cls);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("bad " + type + " data: " + e.getOriginalMessage(), e);
    }
  }

  /** True if this version knows the chunk type. */
  public static boolean knownChunkType(String type) {
    return CHUNK_TYPES.containsKey(type);
  }

  /**
   * Reads any record value.
   *
   * @throws IllegalArgumentException if the bytes are not a valid value of that type
   */
  public static <T> T read(byte[] bytes, Class<T> type) {
    try {
      return MAPPER.readValue(bytes, type);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "not a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Writes any record value. */
  public static byte[] write(Object value) {
    return MAPPER.writeValueAsBytes(value);
  }

  /** A Kafka serde of a JSON record type. */
  public static <T> Serde<T> serde(Class<T> type) {
    return serde(EventJson::write, bytes -> read(bytes, type));
  }

  /** The Kafka serde of chunks. */
  public static Serde<RunChunk> chunkSerde() {
    return serde(EventJson::writeChunk, EventJson::readChunk);
  }

  private static <T> Serde<T> serde(Function<T, byte[]> writer, Function<byte[], T> reader) {
    Serializer<T> serializer = (topic, value) -> value == null ? null : writer.apply(value);
    Deserializer<T> deserializer =
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return reader.apply(bytes);
          } catch (IllegalArgumentException e) {
            throw new SerializationException(e.getMessage(), e);
          }
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  private static String requiredText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isString()) {
      throw new IllegalArgumentException("missing string field " + field);
    }
    return value.asString();
  }
}
