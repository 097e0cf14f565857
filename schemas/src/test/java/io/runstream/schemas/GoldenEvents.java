package io.runstream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The golden example events, kept once here and reused by every module's tests (through the test
 * jar).
 */
public final class GoldenEvents {
  private GoldenEvents() {}

  /** Each golden chunk's JSON text, one per line of {@code golden/run-chunks.jsonl}. */
  public static List<String> chunkLines() {
    return resource("/golden/run-chunks.jsonl").lines().filter(l -> !l.isBlank()).toList();
  }

  /** The golden chunks, decoded. */
  public static List<RunChunk> chunks() {
    return chunkLines().stream()
        .map(l -> EventJson.readChunk(l.getBytes(StandardCharsets.UTF_8)))
        .toList();
  }

  /** The golden run request's JSON text. */
  public static String runRequestedJson() {
    return resource("/golden/run-requested.json");
  }

  /** The text of a classpath resource. */
  public static String resource(String path) {
    try (InputStream in = GoldenEvents.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
