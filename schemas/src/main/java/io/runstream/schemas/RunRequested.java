package io.runstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A request to run the agent once, published by the ingest API after the run row is written.
 *
 * @param v schema version, 1
 * @param runId the run
 * @param sessionId the session the run belongs to; the record key
 * @param orgId the organisation that owns the session
 * @param userId the user who asked
 * @param userMessageId the user message that started the run, if the run has one in the transcript
 * @param agentMessageId the agent message this run generates
 * @param input the user's message text
 * @param instructions system instructions for this run, optional
 * @param model the model to run, optional (the worker's default otherwise)
 * @param seqBase the first chunk sequence number of this run; strictly above the session's previous run's last
 * @param history inline conversation history; when absent the worker loads the session's last messages
 * @param simulation knobs of the simulated model (seed, pace, length), optional
 * @param requestedAt when the ingest accepted the run
 * @param chunkTopic the topic the run's chunks go to, decided at admission: absent for the shared topic
 *     {@code runstream.run-chunks}, {@code runstream.run.<runId>} in the per-run-topic layout (the worker creates it)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRequested(
    int v,
    UUID runId,
    UUID sessionId,
    UUID orgId,
    UUID userId,
    UUID userMessageId,
    UUID agentMessageId,
    String input,
    String instructions,
    ModelRef model,
    long seqBase,
    List<HistoryEntry> history,
    Simulation simulation,
    Instant requestedAt,
    String chunkTopic) {

  /** The current schema version. */
  public static final int SCHEMA_VERSION = 1;

  public RunRequested {
    if (v < 1) {
      throw new IllegalArgumentException("v must be >= 1");
    }
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(agentMessageId, "agentMessageId");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(requestedAt, "requestedAt");
    if (seqBase < 1) {
      throw new IllegalArgumentException("seqBase must be >= 1");
    }
    history = history == null ? null : List.copyOf(history);
    if (chunkTopic != null && !chunkTopic.equals(Topics.runTopic(runId)) && !chunkTopic.equals(Topics.RUN_CHUNKS.name())) {
      throw new IllegalArgumentException("chunkTopic must be runstream.run-chunks or runstream.run.<runId>");
    }
  }

  /** The topic the run's chunks go to. */
  public String chunkTopicOrShared() {
    return Topics.chunkTopicOf(chunkTopic);
  }

  /**
   * A model reference.
   *
   * @param provider the provider name, e.g. {@code simulated}, {@code openai}, {@code anthropic}
   * @param modelId the provider's model id
   */
  public record ModelRef(String provider, String modelId) {
    public ModelRef {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(modelId, "modelId");
    }
  }

  /**
   * One history entry.
   *
   * @param role {@code user}, {@code assistant} or {@code system}
   * @param content the text
   */
  public record HistoryEntry(String role, String content) {
    public HistoryEntry {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(content, "content");
    }
  }

  /**
   * Knobs of the simulated model, for tests and benchmarks.
   *
   * @param seed the seed; the same seed and prompt give the same answer
   * @param tokensPerSecond the pace; 0 streams as fast as possible
   * @param outputTokens the answer's length in tokens, approximately
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Simulation(Long seed, Double tokensPerSecond, Integer outputTokens) {
    public Simulation {
      if (tokensPerSecond != null && (tokensPerSecond < 0 || tokensPerSecond.isNaN())) {
        throw new IllegalArgumentException("tokensPerSecond must be >= 0");
      }
      if (outputTokens != null && outputTokens < 1) {
        throw new IllegalArgumentException("outputTokens must be >= 1");
      }
    }
  }
}
