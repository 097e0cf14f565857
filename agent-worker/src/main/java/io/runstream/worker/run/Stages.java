package io.runstream.worker.run;

import io.runstream.schemas.ChunkData;

/**
 * A run's stage updates (seed 000's {@code stage_update}): one {@code stage} chunk per transition
 * between thinking, reading a file, calling a tool and writing, never two alike in a row.
 */
final class Stages {
  private final ChunkEmitter emitter;
  private final boolean enabled;
  private String current;

  Stages(ChunkEmitter emitter, boolean enabled) {
    this.emitter = emitter;
    this.enabled = enabled;
  }

  void thinking() {
    to(
        "thinking",
        new ChunkData.Stage("Thinking…", "thinking", "context", "output_preview", "model"));
  }

  void reading(String fileName) {
    to(
        "reading:" + fileName,
        new ChunkData.Stage(
            "Reading " + fileName + "…",
            "focused",
            "documents",
            "output_preview",
            "document_reader"));
  }

  void tool(String name) {
    to(
        "tool:" + name,
        new ChunkData.Stage(
            "Running " + name + "…", "focused", "tool_activity", "output_preview", name));
  }

  void writing() {
    to(
        "writing",
        new ChunkData.Stage(
            "Writing the answer…", "focused", "context", "output_preview", "response"));
  }

  void failed() {
    to(
        "error",
        new ChunkData.Stage("Something went wrong", "error", "context", "output_preview", "model"));
  }

  /** A stage the model itself reported: always emitted, and the next transition is emitted too. */
  void reported(ChunkData.Stage stage) {
    emitter.emit(null, stage);
    current = null;
  }

  private void to(String kind, ChunkData.Stage stage) {
    if (enabled && !kind.equals(current)) {
      current = kind;
      emitter.emit(null, stage);
    }
  }
}
