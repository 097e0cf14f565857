package io.runstream.core.identity;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How callers are authenticated ({@code runstream.security}).
 *
 * @param jwtSecret the HS256 secret, at least 32 bytes; the dev default must be replaced in production
 * @param cookieName the cookie that carries the JWT for browsers' EventSource (SSE GETs only)
 * @param jwkSetUri an issuer's JWKS endpoint; when set, tokens signed with its keys (RS256, ES256, ...) are
 *     accepted next to HS256 ones
 * @param issuer the {@code iss} that tokens verified by the JWKS must carry; empty: not checked
 */
@Validated
@ConfigurationProperties("runstream.security")
public record SecurityProperties(
    @DefaultValue(SecurityProperties.DEV_SECRET) @NotBlank @Size(min = 32) String jwtSecret,
    @DefaultValue("runstream_token") @NotBlank String cookieName,
    @DefaultValue("") String jwkSetUri,
    @DefaultValue("") String issuer) {

  /** The development secret, used when none is configured. */
  public static final String DEV_SECRET = "runstream-dev-secret-change-me-0123456789abcdef";
}
