package io.runstream.admission;

import io.runstream.core.problem.ApiException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Double-texting (docs/faces/canonical.md, ADR 0016): what a new message does while a run of its
 * session is live. The names are LangGraph Platform's {@code multitask_strategy} values.
 */
public enum MultitaskStrategy {
  /** 409 {@code run_in_progress}. */
  REJECT,
  /**
   * The new run waits behind the live run (and the runs already waiting) and starts when they have
   * ended.
   */
  ENQUEUE,
  /**
   * The live run (and every run waiting) is stopped as by Stop; the new run starts once it has
   * ended.
   */
  INTERRUPT,
  /**
   * As {@link #INTERRUPT}, and the stopped runs' turns leave the transcript and the next runs'
   * history.
   */
  ROLLBACK;

  /** The wire name. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The strategy of a wire name; 400 naming {@code field} for anything else. */
  public static MultitaskStrategy parse(String value, String field) {
    for (MultitaskStrategy strategy : values()) {
      if (strategy.wire().equals(value)) {
        return strategy;
      }
    }
    throw ApiException.invalid(field, "must be one of " + names());
  }

  /** The wire names, comma-separated. */
  public static String names() {
    return Arrays.stream(values()).map(MultitaskStrategy::wire).collect(Collectors.joining(", "));
  }
}
