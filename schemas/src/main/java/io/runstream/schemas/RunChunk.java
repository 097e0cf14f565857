package io.runstream.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One record of a run's ordered chunk stream: {@code {v, runId, sessionId, seq, ts, type, part?,
 * data}}.
 *
 * @param v schema version, 1
 * @param runId the run; the record key
 * @param sessionId the run's session
 * @param seq the SSE event id: strictly increasing across the session, assigned by the worker
 * @param ts when the worker produced the chunk
 * @param part the id of the part (text, reasoning) the chunk belongs to, if any
 * @param data the payload; its type is the envelope's {@code type}
 */
public record RunChunk(
    int v, UUID runId, UUID sessionId, long seq, Instant ts, String part, ChunkData data) {

  /** The current schema version. */
  public static final int SCHEMA_VERSION = 1;

  public RunChunk {
    if (v < 1) {
      throw new IllegalArgumentException("v must be >= 1");
    }
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(data, "data");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be >= 1");
    }
  }

  /** A version-1 chunk. */
  public static RunChunk of(
      UUID runId, UUID sessionId, long seq, Instant ts, String part, ChunkData data) {
    return new RunChunk(SCHEMA_VERSION, runId, sessionId, seq, ts, part, data);
  }

  /** The wire name of the payload's type. */
  public String type() {
    return data.type();
  }

  /** True if this chunk ends its run. */
  public boolean terminal() {
    return data.terminal();
  }
}
