package io.runstream.core.store;

import java.util.Locale;

/** A run's lifecycle; the last three are terminal. */
public enum RunStatus {
  QUEUED,
  RUNNING,
  COMPLETED,
  CANCELLED,
  FAILED;

  /** The value as stored and shown. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** True once the run has ended. */
  public boolean terminal() {
    return this == COMPLETED || this == CANCELLED || this == FAILED;
  }

  /** Parses the stored value. */
  public static RunStatus of(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
