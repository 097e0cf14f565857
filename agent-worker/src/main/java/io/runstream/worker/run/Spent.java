package io.runstream.worker.run;

import io.runstream.schemas.ChunkData;

/**
 * The tokens a run has spent so far, step by step: what its usage says however it ends (a stop
 * included), so that the run, the ledger and the roll-ups count what the model was given and what
 * it wrote up to the end.
 */
final class Spent {
  private long inputTokens;
  private long outputTokens;

  synchronized void add(long input, long output) {
    inputTokens += input;
    outputTokens += output;
  }

  synchronized long input() {
    return inputTokens;
  }

  synchronized long output() {
    return outputTokens;
  }

  synchronized boolean any() {
    return inputTokens > 0 || outputTokens > 0;
  }

  /** The run's usage so far, as its chunk says it. */
  synchronized ChunkData.Usage usage(String model) {
    return new ChunkData.Usage(model, inputTokens, outputTokens);
  }
}
