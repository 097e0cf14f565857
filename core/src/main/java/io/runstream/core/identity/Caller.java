package io.runstream.core.identity;

import java.util.UUID;

/**
 * The authenticated caller, resolved to Runstream's own ids.
 *
 * @param orgId the organisation's id
 * @param userId the user's id
 * @param subject the token's {@code sub}
 * @param name the user's display name
 * @param email the user's email
 * @param admin whether the token's {@code admin} claim is true
 * @param org the organisation as the token names it (its {@code org} claim)
 * @param service whether the caller is a service identity (claim {@code service: true}, a
 *     configured {@code runstream.security.service-subjects} entry, or project chat's API key): its
 *     own, higher limits
 * @param operator whether the caller is a platform operator ({@code
 *     runstream.security.operator-subjects}): sets organisations' token budgets, reads the
 *     operational endpoints on the public port
 */
public record Caller(
    UUID orgId,
    UUID userId,
    String subject,
    String name,
    String email,
    boolean admin,
    String org,
    boolean service,
    boolean operator) {

  /**
   * Whether the caller may act on (stop, cancel, answer a tool call of, post into, rate, change)
   * something of the user {@code ownerId} in the caller's organisation: its owner, or one of the
   * organisation's administrators (docs/faces/README.md). Anyone else is answered 404, as for
   * another organisation's id.
   */
  public boolean mayActOn(UUID ownerId) {
    return admin || userId.equals(ownerId);
  }

  /** The user id clients see: {@link UserIds#of}. */
  public UUID publicUserId() {
    return UserIds.of(org, subject);
  }
}
