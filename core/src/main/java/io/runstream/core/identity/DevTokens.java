package io.runstream.core.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Mints HS256 tokens for development and tests, signed with the configured secret. */
public final class DevTokens {
  private DevTokens() {}

  /**
   * An HS256 token with Runstream's claims.
   *
   * @param secret the HS256 secret (at least 32 bytes)
   * @param subject {@code sub}
   * @param org {@code org}
   * @param name {@code name}
   * @param email {@code email}
   * @param admin {@code admin}
   * @param ttl how long it is valid
   */
  public static String mint(
      String secret,
      String subject,
      String org,
      String name,
      String email,
      boolean admin,
      Duration ttl) {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .claim("org", org)
            .claim("name", name)
            .claim("email", email)
            .claim("admin", admin)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (JOSEException e) {
      throw new IllegalArgumentException("cannot sign with this secret: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }
}
