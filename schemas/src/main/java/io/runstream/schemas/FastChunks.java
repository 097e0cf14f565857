package io.runstream.schemas;

import java.io.ByteArrayOutputStream;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The codec's fast path for text and reasoning deltas, which are nearly every record of the chunk
 * topic: read and written token by token, without a JSON tree, reflective binding or {@code
 * DateTimeFormatter} (measured on the fan-out's and the sink's consumers: tree, binding and {@code
 * Instant.parse} were half of each record's cost, issue #12). Anything but the usual shape of a
 * delta answers null, and {@link EventJson} reads it the general way, so both paths accept and
 * produce exactly the same (tested against each other).
 */
final class FastChunks {
  private static final int[] POWERS = {
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000
  };

  private FastChunks() {}

  /** The delta's text if {@code data} is a text or reasoning delta, else null. */
  static String delta(ChunkData data) {
    if (data instanceof ChunkData.TextDelta text) {
      return text.delta();
    }
    if (data instanceof ChunkData.ReasoningDelta reasoning) {
      return reasoning.delta();
    }
    return null;
  }

  /** A delta chunk's bytes, as {@code EventJson.chunkTree} would write them. */
  static byte[] write(RunChunk chunk, String delta) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(192 + delta.length() * 2);
    try (JsonGenerator generator = EventJson.MAPPER.createGenerator(out)) {
      generator.writeStartObject();
      generator.writeNumberProperty("v", chunk.v());
      generator.writeStringProperty("runId", chunk.runId().toString());
      generator.writeStringProperty("sessionId", chunk.sessionId().toString());
      generator.writeNumberProperty("seq", chunk.seq());
      generator.writeStringProperty("ts", chunk.ts().toString());
      generator.writeStringProperty("type", chunk.type());
      if (chunk.part() != null) {
        generator.writeStringProperty("part", chunk.part());
      }
      generator.writeName("data");
      generator.writeStartObject();
      generator.writeStringProperty("delta", delta);
      generator.writeEndObject();
      generator.writeEndObject();
    }
    return out.toByteArray();
  }

  /** The chunk if {@code bytes} are a text or reasoning delta in the usual shape, else null. */
  static RunChunk read(byte[] bytes) {
    try (JsonParser parser = EventJson.MAPPER.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      int v = 0;
      UUID runId = null;
      UUID sessionId = null;
      long seq = 0;
      Instant ts = null;
      String type = null;
      String part = null;
      String delta = null;
      String name;
      while ((name = parser.nextName()) != null) {
        JsonToken token = parser.nextToken();
        switch (name) {
          case "v" -> {
            if (token != JsonToken.VALUE_NUMBER_INT) {
              return null;
            }
            v = parser.getIntValue();
          }
          case "runId" -> {
            if (token != JsonToken.VALUE_STRING) {
              return null;
            }
            runId = UUID.fromString(parser.getString());
          }
          case "sessionId" -> {
            if (token != JsonToken.VALUE_STRING) {
              return null;
            }
            sessionId = UUID.fromString(parser.getString());
          }
          case "seq" -> {
            if (token != JsonToken.VALUE_NUMBER_INT) {
              return null;
            }
            seq = parser.getLongValue();
          }
          case "ts" -> {
            if (token != JsonToken.VALUE_STRING || (ts = instant(parser.getString())) == null) {
              return null;
            }
          }
          case "type" -> {
            if (token != JsonToken.VALUE_STRING || type != null) {
              return null;
            }
            type = parser.getString();
            if (!ChunkData.TextDelta.TYPE.equals(type)
                && !ChunkData.ReasoningDelta.TYPE.equals(type)) {
              return null;
            }
          }
          case "part" -> {
            if (token == JsonToken.VALUE_STRING) {
              part = parser.getString();
            } else if (token == JsonToken.VALUE_NULL) {
              part = null;
            } else {
              return null;
            }
          }
          case "data" -> {
            if (token != JsonToken.START_OBJECT || delta != null) {
              return null;
            }
            String field;
            while ((field = parser.nextName()) != null) {
              JsonToken value = parser.nextToken();
              if (!"delta".equals(field) || value != JsonToken.VALUE_STRING || delta != null) {
                // another field, or a delta that is not one string: the general path decides
                return null;
              }
              delta = parser.getString();
            }
          }
          default -> parser.skipChildren();
        }
      }
      if (parser.nextToken() != null
          || runId == null
          || sessionId == null
          || ts == null
          || type == null
          || delta == null) {
        return null;
      }
      ChunkData data =
          ChunkData.TextDelta.TYPE.equals(type)
              ? new ChunkData.TextDelta(delta)
              : new ChunkData.ReasoningDelta(delta);
      return new RunChunk(v, runId, sessionId, seq, ts, part, data);
    } catch (JacksonException | IllegalArgumentException | DateTimeException e) {
      return null;
    }
  }

  /**
   * {@code Instant.toString()}'s own form ({@code 2026-12-01T18:36:00.123456Z}: a four-digit year,
   * seconds, 0 to 9 digits of fraction, UTC), parsed without a formatter; null for anything else
   * ({@code Instant.parse} decides).
   */
  static Instant instant(String text) {
    int length = text.length();
    if (length < 20
        || length == 21
        || length > 30
        || text.charAt(length - 1) != 'Z'
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      return null;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (year < 0
        || month < 0
        || day < 0
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      return null;
    }
    int nanos = 0;
    if (length > 20) {
      int fraction = length - 21;
      int value = digits(text, 20, fraction);
      if (text.charAt(19) != '.' || value < 0) {
        return null;
      }
      nanos = value * POWERS[9 - fraction];
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return null;
    }
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
  }

  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
