package io.runstream.core.identity;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The user id clients see ({@code user.uuid}, docs/faces/canonical.md): the token's {@code sub}
 * when it is a UUID, otherwise a stable name-based UUID (version 3) of the organisation and the
 * subject, so the same token always names the same user and two organisations' equal subjects never
 * collide.
 */
public final class UserIds {
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private UserIds() {}

  /**
   * The public id of the user {@code subject} of the organisation {@code org} (both as the token
   * names them).
   */
  public static UUID of(String org, String subject) {
    if (UUID_TEXT.matcher(subject).matches()) {
      return UUID.fromString(subject);
    }
    return UUID.nameUUIDFromBytes(
        ("runstream-user:" + org + '\u0000' + subject).getBytes(StandardCharsets.UTF_8));
  }
}
