package io.runstream.worker.run;

import io.runstream.schemas.ChunkData;

/**
 * The text and reasoning parts of a step: at most one open at a time, opened by its first delta and
 * closed by anything else (a tool call, a document stage, the end).
 */
final class Parts {
  private final ChunkEmitter emitter;
  private final String part;
  private boolean textOpen;
  private boolean reasoningOpen;

  Parts(ChunkEmitter emitter, String part) {
    this.emitter = emitter;
    this.part = part;
  }

  void text(String delta) {
    if (reasoningOpen) {
      emitter.emit(part, new ChunkData.ReasoningEnd());
      reasoningOpen = false;
    }
    if (!textOpen) {
      emitter.emit(part, new ChunkData.TextStart());
      textOpen = true;
    }
    emitter.emit(part, new ChunkData.TextDelta(delta));
  }

  void reasoning(String delta) {
    if (textOpen) {
      emitter.emit(part, new ChunkData.TextEnd());
      textOpen = false;
    }
    if (!reasoningOpen) {
      emitter.emit(part, new ChunkData.ReasoningStart());
      reasoningOpen = true;
    }
    emitter.emit(part, new ChunkData.ReasoningDelta(delta));
  }

  void close() {
    if (textOpen) {
      emitter.emit(part, new ChunkData.TextEnd());
      textOpen = false;
    }
    if (reasoningOpen) {
      emitter.emit(part, new ChunkData.ReasoningEnd());
      reasoningOpen = false;
    }
  }
}
