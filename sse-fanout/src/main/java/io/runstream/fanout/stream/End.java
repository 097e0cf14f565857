package io.runstream.fanout.stream;

/** How a reader's stream ended. */
public enum End {
  /** The run's terminal chunk was delivered. */
  FINISHED,
  /** The reader already had everything; nothing more to send. */
  NOTHING_LEFT,
  /** The client went away. */
  CLIENT_GONE,
  /**
   * The reader fell too far behind or a gap could not be filled; the client resumes by
   * reconnecting.
   */
  CUT_OFF,
  /**
   * The stream goes on without the caller's thread; its {@link RunReader.Continuation} hears how it
   * ends.
   */
  SUSPENDED
}
