package io.runstream.core.identity;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How callers are authenticated ({@code runstream.security}).
 *
 * @param jwtSecret the HS256 secret, at least 32 bytes. There is no default: a service needs this
 *     or an issuer ({@code issuer-uri}/{@code jwk-set-uri}) to start; only the embedded default
 *     ({@code bin/runstream start}) makes one up, per data directory
 * @param cookieName the cookie that carries the JWT for browsers' EventSource (SSE GETs only)
 * @param issuerUri an OpenID issuer: its discovery document gives the JWKS, and tokens signed with
 *     its keys (RS256, ES256, ...) and carrying it as {@code iss} are accepted next to HS256 ones;
 *     resolved on first use
 * @param jwkSetUri a JWKS endpoint to use instead of discovery (with {@code issuer-uri}: {@code
 *     iss} is still checked against it)
 * @param cookieSameSite the sign-in cookie's {@code SameSite}: {@code Lax} (the default: apps on
 *     the API's own site, e.g. {@code app.example.com} and {@code api.example.com}), {@code
 *     Strict}, or {@code None} for apps on another site (then the cookie is always {@code Secure},
 *     so the API must be served over HTTPS)
 * @param cors which browser origins may call the API
 * @param serviceSubjects the {@code sub}s of service identities (a backend calling for its own
 *     users), besides tokens with the claim {@code service: true}: they have their own, higher run
 *     and stream limits
 * @param verifiedTokenCache how many verified tokens each node remembers until they expire (0:
 *     verify every request)
 * @param allowHs256WithIssuer whether HS256 tokens (signed with {@code jwt-secret}) are still
 *     accepted when an issuer is configured; off by default, so that a deployment with an identity
 *     provider trusts only its keys
 * @param audience when set, every token's {@code aud} must contain it
 * @param operatorSubjects the {@code sub}s of platform operators: only they change an
 *     organisation's token budget and read the operational endpoints served on the public port
 */
@Validated
@ConfigurationProperties("runstream.security")
public record SecurityProperties(
    @DefaultValue("") String jwtSecret,
    @DefaultValue("runstream_token") @NotBlank String cookieName,
    @DefaultValue("") String issuerUri,
    @DefaultValue("") String jwkSetUri,
    @DefaultValue("Lax")
        @Pattern(regexp = "Lax|Strict|None", message = "must be Lax, Strict or None")
        String cookieSameSite,
    @DefaultValue @Valid Cors cors,
    @DefaultValue List<String> serviceSubjects,
    @DefaultValue("10000") @Min(0) int verifiedTokenCache,
    @DefaultValue("false") boolean allowHs256WithIssuer,
    @DefaultValue("") String audience,
    @DefaultValue List<String> operatorSubjects) {

  /** The shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at least the hash's size). */
  public static final int MIN_SECRET_BYTES = 32;

  /** Whether an issuer's keys are configured (discovery or a JWKS). */
  public boolean hasIssuer() {
    return !issuerUri.isBlank() || !jwkSetUri.isBlank();
  }

  /**
   * Whether HS256 tokens are accepted: a secret is set, and either no issuer is configured or both
   * are allowed.
   */
  public boolean acceptsHs256() {
    return !jwtSecret.isBlank() && (!hasIssuer() || allowHs256WithIssuer);
  }

  /**
   * Cross-origin access for browser apps ({@code runstream.security.cors}), the same on every face.
   *
   * @param allowedOrigins origins whose pages may call the API with credentials: exact ({@code
   *     https://app.example.com}) or patterns ({@code https://*.example.com}, {@code
   *     http://localhost:*}); empty (the default) allows no other origin
   * @param maxAge how long a browser may cache a preflight's answer
   */
  public record Cors(
      @DefaultValue("") List<String> allowedOrigins, @DefaultValue("1h") Duration maxAge) {}
}
