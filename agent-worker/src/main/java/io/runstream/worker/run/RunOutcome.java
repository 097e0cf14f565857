package io.runstream.worker.run;

import io.runstream.schemas.ChunkData;
import io.runstream.worker.control.RunStops;

/** How a run ends; {@link AgentRunner} ends every run through one path for all three. */
sealed interface RunOutcome {
  /** The run's status as {@code run.finished} and the run's row say it. */
  String status();

  /**
   * The model was done.
   *
   * @param finishReason the last step's finish reason
   */
  record Completed(String finishReason) implements RunOutcome {
    @Override
    public String status() {
      return "completed";
    }
  }

  /**
   * A user (or client) stopped the run.
   *
   * @param reason why, as the stop said it
   */
  record Cancelled(String reason) implements RunOutcome {
    @Override
    public String status() {
      return "cancelled";
    }
  }

  /**
   * The run failed.
   *
   * @param error the error its readers are shown
   */
  record Failed(ChunkData.Error error) implements RunOutcome {
    @Override
    public String status() {
      return "failed";
    }
  }

  /**
   * The outcome of a run ended early: cancelled after a stop, failed past its deadline or at the
   * worker's shutdown.
   */
  static RunOutcome of(RunStops.Ending ending) {
    return switch (ending.kind()) {
      case STOPPED -> new Cancelled(ending.reason());
      case TIMED_OUT -> new Failed(new ChunkData.Error("run_timeout", ending.reason(), false));
      case SHUTDOWN ->
          new Failed(
              new ChunkData.Error(
                  "worker_shutdown", "The worker stopped during the run; run it again.", true));
    };
  }
}
