package io.runstream.core.identity;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sign-in cookie for browsers' {@code EventSource}, which cannot send an {@code Authorization}
 * header: {@code POST /api/v1/auth/cookie} with a valid bearer token answers {@code Set-Cookie:
 * runstream_token=<the token>} ({@code HttpOnly}, {@code Path=/}, {@code SameSite} as configured,
 * {@code Secure} over HTTPS and always with {@code SameSite=None}, {@code Max-Age} the token's
 * remaining lifetime); {@code DELETE} clears it. The cookie is accepted only on the SSE GETs of the
 * faces, so it can never be used to post on the user's behalf.
 */
@RestController
public class SignInCookieController {
  /** The endpoint's path. */
  public static final String PATH = "/api/v1/auth/cookie";

  private final SecurityProperties properties;
  private final CallerResolver callers;

  public SignInCookieController(SecurityProperties properties, CallerResolver callers) {
    this.properties = properties;
    this.callers = callers;
  }

  /** Sets the cookie to the request's bearer token (the header only: a cookie cannot sign in). */
  @PostMapping(PATH)
  public ResponseEntity<Map<String, Object>> signIn(HttpServletRequest request) {
    Caller caller = callers.current();
    JwtAuthenticationToken authentication =
        (JwtAuthenticationToken) SecurityContextHolder.getContext().getAuthentication();
    Instant expiresAt = authentication.getToken().getExpiresAt();
    ResponseCookie.ResponseCookieBuilder cookie =
        cookie(request, authentication.getToken().getTokenValue());
    if (expiresAt != null) {
      cookie.maxAge(Duration.between(Instant.now(), expiresAt).toSeconds());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("cookie", properties.cookieName());
    body.put("expires_at", expiresAt == null ? null : expiresAt.toString());
    body.put(
        "user",
        Map.of("uuid", caller.publicUserId(), "name", caller.name() == null ? "" : caller.name()));
    return ResponseEntity.ok().header(HttpHeaders.SET_COOKIE, cookie.build().toString()).body(body);
  }

  /** Clears the cookie; needs no token (signing out works with an expired one too). */
  @DeleteMapping(PATH)
  public ResponseEntity<Void> signOut(HttpServletRequest request) {
    return ResponseEntity.noContent()
        .header(HttpHeaders.SET_COOKIE, cookie(request, "").maxAge(0).build().toString())
        .build();
  }

  private ResponseCookie.ResponseCookieBuilder cookie(HttpServletRequest request, String value) {
    boolean none = "None".equals(properties.cookieSameSite());
    return ResponseCookie.from(properties.cookieName(), value)
        .httpOnly(true)
        .secure(none || request.isSecure())
        .sameSite(properties.cookieSameSite())
        .path("/");
  }
}
