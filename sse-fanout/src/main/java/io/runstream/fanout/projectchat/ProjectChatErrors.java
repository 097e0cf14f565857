package io.runstream.fanout.projectchat;

import io.runstream.schemas.ChunkData;
import java.util.Set;

/**
 * How project chat names a run's errors (seed 002): its stream's codes, and the legacy endpoint's.
 */
final class ProjectChatErrors {
  private ProjectChatErrors() {}

  static boolean retrieval(ChunkData.Error error) {
    return "rag_retrieval_error".equals(error.code());
  }

  /** The model or its provider failed (unreachable, refused, cut off, ...). */
  static boolean model(ChunkData.Error error) {
    return error.code().startsWith("provider_")
        || error.code().equals("model_error")
        || error.code().equals("unknown_model_provider");
  }

  /**
   * The model could not be reached or answered for now: what seed 002 calls a connection error
   * (transient).
   */
  static boolean connection(ChunkData.Error error) {
    return Set.of(
            "provider_connection",
            "provider_unavailable",
            "provider_overloaded",
            "provider_rate_limited",
            "provider_stream_cut",
            "model_error")
        .contains(error.code());
  }

  /**
   * {@code LLM_CONNECTION_ERROR} for a model that could not be reached, {@code
   * RAG_RETRIEVAL_ERROR}, {@code STREAM_ERROR} for the rest (a refused request, bad credentials, a
   * lost worker).
   */
  static String streamCode(ChunkData.Error error) {
    if (retrieval(error)) {
      return "RAG_RETRIEVAL_ERROR";
    }
    return connection(error) ? "LLM_CONNECTION_ERROR" : "STREAM_ERROR";
  }

  /** {@code RAG_001}, {@code LLM_001} or {@code ERR}. */
  static String legacyCode(ChunkData.Error error) {
    if (retrieval(error)) {
      return "RAG_001";
    }
    return model(error) ? "LLM_001" : "ERR";
  }
}
