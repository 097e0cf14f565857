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
 * @param issuerUri an OpenID issuer: its discovery document gives the JWKS, and tokens signed with its keys
 *     (RS256, ES256, ...) and carrying it as {@code iss} are accepted next to HS256 ones; resolved on first use
 * @param jwkSetUri a JWKS endpoint to use instead of discovery (with {@code issuer-uri}: {@code iss} is still
 *     checked against it)
 */
@Validated
@ConfigurationProperties("runstream.security")
public record SecurityProperties(
    @DefaultValue(SecurityProperties.DEV_SECRET) @NotBlank @Size(min = 32) String jwtSecret,
    @DefaultValue("runstream_token") @NotBlank String cookieName,
    @DefaultValue("") String issuerUri,
    @DefaultValue("") String jwkSetUri) {

  /** The development secret, used when none is configured. */
  public static final String DEV_SECRET = "runstream-dev-secret-change-me-0123456789abcdef";
}
