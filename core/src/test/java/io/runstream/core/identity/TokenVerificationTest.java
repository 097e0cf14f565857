package io.runstream.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.runstream.core.startup.StartupFailures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * How tokens are verified (issue #23): no default secret, {@code exp} required, the audience, HS256
 * beside an issuer.
 */
class TokenVerificationTest {
  private static final String SECRET = "a-secret-of-this-test-only-0123456789abcdefghij";

  private static SecurityProperties properties(
      String secret, String issuer, boolean hs256WithIssuer, String audience) {
    return new SecurityProperties(
        secret,
        "runstream_token",
        issuer,
        "",
        "Lax",
        new SecurityProperties.Cors(List.of(), Duration.ofHours(1)),
        List.of(),
        0,
        hs256WithIssuer,
        audience,
        List.of());
  }

  private static JwtDecoder decoder(SecurityProperties properties) {
    return new SecurityConfiguration().runstreamJwtDecoder(properties);
  }

  private static String token(JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject("u")
        .claim("org", "o")
        .issueTime(new Date())
        .expirationTime(Date.from(Instant.now().plusSeconds(300)));
  }

  @Test
  void shouldRefuseToStartWithoutASecretOrAnIssuer() {
    assertThatThrownBy(() -> decoder(properties("", "", false, "")))
        .isInstanceOf(StartupFailures.SettingRefused.class)
        .hasMessageContaining("runstream.security.jwt-secret")
        .hasMessageContaining("runstream.security.issuer-uri");
    assertThatThrownBy(() -> decoder(properties("short", "", false, "")))
        .hasMessageContaining("shorter than 32 bytes");
    assertThatThrownBy(
            () ->
                decoder(
                    properties("runstream-dev-secret-change-me-0123456789abcdef", "", false, "")))
        .hasMessageContaining("published placeholder");
  }

  @Test
  void shouldRequireExp() throws Exception {
    JwtDecoder decoder = decoder(properties(SECRET, "", false, ""));
    assertThat(decoder.decode(token(claims().build())).getSubject()).isEqualTo("u");
    String endless = token(claims().expirationTime(null).build());
    assertThatThrownBy(() -> decoder.decode(endless)).isInstanceOf(JwtException.class);
  }

  @Test
  void shouldCheckTheAudienceWhenOneIsConfigured() throws Exception {
    JwtDecoder decoder = decoder(properties(SECRET, "", false, "runstream-api"));
    assertThat(
            decoder
                .decode(token(claims().audience(List.of("other", "runstream-api")).build()))
                .getSubject())
        .isEqualTo("u");
    String elsewhere = token(claims().audience("other").build());
    assertThatThrownBy(() -> decoder.decode(elsewhere)).isInstanceOf(JwtException.class);
    String none = token(claims().build());
    assertThatThrownBy(() -> decoder.decode(none)).isInstanceOf(JwtException.class);
  }

  @Test
  void shouldRefuseHs256TokensBesideAnIssuerUnlessAllowed() throws Exception {
    String token = token(claims().build());
    // The issuer is only asked on the first asymmetric token (discovery on first use), so none is
    // needed here.
    JwtDecoder issuerOnly = decoder(properties(SECRET, "https://issuer.invalid", false, ""));
    assertThatThrownBy(() -> issuerOnly.decode(token)).isInstanceOf(JwtException.class);
    JwtDecoder both = decoder(properties(SECRET, "https://issuer.invalid", true, ""));
    assertThat(both.decode(token).getSubject()).isEqualTo("u");
    // An issuer alone is a complete configuration: no secret needed.
    assertThat(decoder(properties("", "https://issuer.invalid", false, ""))).isNotNull();
  }
}
