package io.runstream.core.face;

/**
 * How a face's requests authenticate: the bearer JWT (on every face; the sign-in cookie too on the
 * face's stream GETs), or a fixed API key acting for one organisation.
 */
public sealed interface FaceAuthentication {
  /** The bearer JWT. */
  FaceAuthentication BEARER = new Bearer();

  /** The bearer JWT ({@code Authorization: Bearer}, or the cookie on the face's stream GETs). */
  record Bearer() implements FaceAuthentication {}

  /**
   * Every request needs {@code header} equal to {@code key} and is authenticated by it alone,
   * acting as {@code subject} of {@code organisation} (403 otherwise; a bearer token is not looked
   * at).
   */
  record ApiKey(String header, String key, String organisation, String subject)
      implements FaceAuthentication {}
}
