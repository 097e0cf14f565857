package io.runstream.core.identity;

import io.runstream.core.startup.StartupFailures;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * CORS for browser apps on their own origin, one policy for every face: the configured origins,
 * with credentials (the JWT cookie, {@code EventSource} with {@code withCredentials}); preflights
 * answered for the methods and headers the faces use; the response headers a client needs exposed.
 * Applied in every face's security filter chain, ahead of authentication, so errors (401, 403, 404,
 * 429, in any dialect) carry the headers too.
 */
public final class CorsPolicy {
  /** The request headers the faces read. */
  public static final List<String> ALLOWED_HEADERS =
      List.of(
          "Authorization",
          "Content-Type",
          "orgid",
          "X-API-Key",
          "Last-Event-ID",
          "Cache-Control",
          "Accept",
          "Prefer",
          "X-Run-Id");

  /** The response headers a browser app may read besides the CORS-safelisted ones. */
  public static final List<String> EXPOSED_HEADERS =
      List.of(
          "X-Model-Backend",
          "X-Genie-Backend",
          "Retry-After",
          "Location",
          "x-vercel-ai-ui-message-stream",
          "Preference-Applied");

  /** The methods the faces answer. */
  public static final List<String> ALLOWED_METHODS = List.of("GET", "POST", "PUT", "DELETE");

  private CorsPolicy() {}

  /**
   * The policy for {@code cors}: nothing is allowed when no origin is configured. An origin that
   * allows every site ({@code *}, or a scheme with any host such as {@code https://*}) is refused:
   * with credentials it would let any page on the web read the API with its visitors' cookie.
   */
  public static CorsConfigurationSource source(SecurityProperties.Cors cors) {
    return source(cors, List.of(), List.of());
  }

  /**
   * The policy for {@code cors}, allowing the request headers {@code requestHeaders} and exposing
   * {@code exposedHeaders} besides the ones every face has (a face's own, {@code
   * core.face.Face#corsRequestHeaders}).
   */
  public static CorsConfigurationSource source(
      SecurityProperties.Cors cors, List<String> requestHeaders, List<String> exposedHeaders) {
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    List<String> origins =
        cors.allowedOrigins().stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
    for (String origin : origins) {
      if (anyHost(origin)) {
        throw new StartupFailures.SettingRefused(
            "runstream.security.cors.allowed-origins: '"
                + origin
                + "' allows every site, and the API allows "
                + "credentials (the sign-in cookie): any page on the web could read it as its visitors; list the "
                + "origins of your apps instead (https://app.example.com, https://*.example.com).");
      }
    }
    if (origins.isEmpty()) {
      return source;
    }
    CorsConfiguration configuration = new CorsConfiguration();
    configuration.setAllowedOriginPatterns(origins);
    configuration.setAllowCredentials(true);
    configuration.setAllowedMethods(ALLOWED_METHODS);
    configuration.setAllowedHeaders(
        Stream.concat(ALLOWED_HEADERS.stream(), requestHeaders.stream()).toList());
    configuration.setExposedHeaders(
        Stream.concat(EXPOSED_HEADERS.stream(), exposedHeaders.stream()).toList());
    configuration.setMaxAge(cors.maxAge());
    source.registerCorsConfiguration("/**", configuration);
    return source;
  }

  /**
   * Whether an origin pattern matches any host: {@code *}, {@code https://*}, {@code http://*:*},
   * {@code *://*}.
   */
  static boolean anyHost(String origin) {
    int scheme = origin.indexOf("://");
    String host = scheme < 0 ? origin : origin.substring(scheme + 3);
    int port = host.lastIndexOf(':');
    if (port >= 0 && !host.endsWith("]")) {
      host = host.substring(0, port);
    }
    return host.chars().allMatch(c -> c == '*' || c == '.');
  }
}
