package io.runstream.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Verified tokens are remembered until they expire; anything else is verified afresh; failures are
 * not remembered.
 */
class VerifiedTokensTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  private static final class MutableClock extends Clock {
    Instant now = NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static Jwt jwt(String token, Instant expires) {
    return Jwt.withTokenValue(token)
        .header("alg", "HS256")
        .subject("u")
        .expiresAt(expires)
        .issuedAt(NOW.minusSeconds(1))
        .build();
  }

  @Test
  void shouldVerifyEachTokenOnceUntilItExpires() {
    AtomicInteger verifications = new AtomicInteger();
    MutableClock clock = new MutableClock();
    VerifiedTokens tokens =
        new VerifiedTokens(
            token -> {
              verifications.incrementAndGet();
              if (token.startsWith("bad")) {
                throw new BadJwtException("bad signature");
              }
              return jwt(token, NOW.plusSeconds(60));
            },
            100,
            Duration.ofMinutes(5),
            clock);

    assertThat(tokens.decode("a.b.c").getSubject()).isEqualTo("u");
    tokens.decode("a.b.c");
    assertThat(verifications).hasValue(1);
    // another signature is another token
    tokens.decode("a.b.d");
    assertThat(verifications).hasValue(2);
    // a failure is not remembered
    assertThatThrownBy(() -> tokens.decode("bad.b.c")).isInstanceOf(BadJwtException.class);
    assertThatThrownBy(() -> tokens.decode("bad.b.c")).isInstanceOf(BadJwtException.class);
    assertThat(verifications).hasValue(4);
    // once expired, the token is verified again (and the delegate decides)
    clock.now = NOW.plusSeconds(61);
    tokens.decode("a.b.c");
    assertThat(verifications).hasValue(5);
  }

  @Test
  void shouldStayBounded() {
    VerifiedTokens tokens =
        new VerifiedTokens(
            token -> jwt(token, NOW.plusSeconds(60)),
            10,
            Duration.ofMinutes(5),
            new MutableClock());
    for (int i = 0; i < 35; i++) {
      tokens.decode("t" + i);
    }
    assertThat(tokens.size()).isLessThanOrEqualTo(10);
  }
}
