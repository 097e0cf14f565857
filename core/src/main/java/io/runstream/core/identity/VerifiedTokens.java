package io.runstream.core.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * A decoder that remembers the tokens it verified, for what is left of their lifetime: a client
 * that opens many streams with one token (a reconnect storm, a page with several tabs) pays for
 * parsing and the signature check once. The key is the whole token (its signature included), so a
 * token that differs in any byte is verified afresh; a remembered token is used only before its
 * {@code exp} (and after its {@code nbf}), a token without {@code exp} for at most {@code maxAge}.
 * Failures are never remembered. At most {@code maxEntries} are kept: when full, the map is emptied
 * (rare: one verification per token afterwards).
 */
public final class VerifiedTokens implements JwtDecoder {
  private record Verified(Jwt jwt, Instant until) {}

  private final JwtDecoder delegate;
  private final int maxEntries;
  private final Duration maxAge;
  private final Clock clock;
  private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

  public VerifiedTokens(JwtDecoder delegate, int maxEntries, Duration maxAge, Clock clock) {
    this.delegate = delegate;
    this.maxEntries = maxEntries;
    this.maxAge = maxAge;
    this.clock = clock;
  }

  @Override
  public Jwt decode(String token) throws JwtException {
    Instant now = clock.instant();
    Verified known = verified.get(token);
    if (known != null) {
      if (now.isBefore(known.until())
          && (known.jwt().getNotBefore() == null || !now.isBefore(known.jwt().getNotBefore()))) {
        return known.jwt();
      }
      verified.remove(token, known);
    }
    Jwt jwt = delegate.decode(token);
    Instant until = now.plus(maxAge);
    if (jwt.getExpiresAt() != null && jwt.getExpiresAt().isBefore(until)) {
      until = jwt.getExpiresAt();
    }
    if (maxEntries > 0) {
      if (verified.size() >= maxEntries) {
        verified.clear();
      }
      verified.put(token, new Verified(jwt, until));
    }
    return jwt;
  }

  /** How many tokens are remembered. */
  public int size() {
    return verified.size();
  }
}
