package io.runstream.core.problem;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Parses ids from paths and bodies; anything that is not a UUID cannot name a resource, so it
 * answers 404.
 */
public final class Ids {
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Ids() {}

  /** The UUID, or 404 naming {@code what}. */
  public static UUID parse(String text, String what) {
    if (text == null || !UUID_TEXT.matcher(text).matches()) {
      throw ApiException.notFound(what);
    }
    return UUID.fromString(text);
  }
}
