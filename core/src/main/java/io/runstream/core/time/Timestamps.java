package io.runstream.core.time;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Timestamps as the API shows them: ISO-8601 UTC with microseconds, e.g. {@code
 * 2026-04-15T16:17:22.398531Z}.
 */
public final class Timestamps {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /** The instant in the API's format, or null. */
  public static String format(Instant instant) {
    return instant == null ? null : FORMAT.format(instant);
  }

  /** Now, at the microsecond precision PostgreSQL keeps. */
  public static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  /** A JDBC timestamp as an instant, or null. */
  public static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
