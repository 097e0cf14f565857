package io.runstream.core.identity;

import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Problems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.Cookie;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfigurationSource;

/** Stateless JWT security, one filter chain per face: every face's paths need a valid token; errors answer in the face's dialect. */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

  /**
   * HS256 tokens are checked with the configured secret; when a JWKS is configured, tokens signed with an
   * asymmetric algorithm are checked against the issuer's keys (and {@code iss}, if configured). Anything else,
   * {@code alg: none} included, is refused.
   */
  @Bean
  public JwtDecoder runstreamJwtDecoder(SecurityProperties properties) {
    SecretKeySpec key =
        new SecretKeySpec(properties.jwtSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    JwtDecoder hs256 = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
    JwtDecoder jwks = null;
    if (!properties.jwkSetUri().isBlank()) {
      NimbusJwtDecoder decoder =
          NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).jwsAlgorithms(SecurityConfiguration::asymmetric).build();
      if (!properties.issuerUri().isBlank()) {
        decoder.setJwtValidator(
            org.springframework.security.oauth2.jwt.JwtValidators.createDefaultWithIssuer(properties.issuerUri()));
      }
      jwks = decoder;
    } else if (!properties.issuerUri().isBlank()) {
      // Discovery on first use, so that an issuer that is down at start-up does not keep the service down.
      jwks =
          new org.springframework.security.oauth2.jwt.SupplierJwtDecoder(
              () -> {
                NimbusJwtDecoder decoder =
                    NimbusJwtDecoder.withIssuerLocation(properties.issuerUri())
                        .jwsAlgorithms(SecurityConfiguration::asymmetric)
                        .build();
                decoder.setJwtValidator(
                    org.springframework.security.oauth2.jwt.JwtValidators.createDefaultWithIssuer(properties.issuerUri()));
                return decoder;
              });
    }
    JwtDecoder issuerKeys = jwks;
    return token -> {
      String algorithm;
      try {
        algorithm = com.nimbusds.jwt.JWTParser.parse(token).getHeader().getAlgorithm().getName();
      } catch (java.text.ParseException | RuntimeException e) {
        throw new org.springframework.security.oauth2.jwt.BadJwtException("Malformed token");
      }
      if ("HS256".equals(algorithm)) {
        return hs256.decode(token);
      }
      if (issuerKeys != null && !"none".equalsIgnoreCase(algorithm) && !algorithm.startsWith("HS")) {
        return issuerKeys.decode(token);
      }
      throw new org.springframework.security.oauth2.jwt.BadJwtException("Unsupported algorithm " + algorithm);
    };
  }

  private static void asymmetric(java.util.Set<org.springframework.security.oauth2.jose.jws.SignatureAlgorithm> algorithms) {
    algorithms.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.RS256);
    algorithms.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.RS384);
    algorithms.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.RS512);
    algorithms.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.ES256);
    algorithms.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.ES384);
    algorithms.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.PS256);
  }

  /**
   * The SSE GETs of every face, the only requests that may authenticate with the cookie (browsers' EventSource
   * cannot send headers). A cookie can never authenticate a POST or any other read.
   */
  static final List<String> STREAM_PATHS =
      List.of("/api/v1/sessions/{sessionId}/stream", "/api/v1/runs/{runId}/stream", AgentStreamFace.STREAM_PATH);

  /** The header first; the SSE GETs of {@link #STREAM_PATHS} also take the token from the cookie. */
  @Bean
  public BearerTokenResolver runstreamBearerTokenResolver(SecurityProperties properties) {
    DefaultBearerTokenResolver header = new DefaultBearerTokenResolver();
    List<RequestMatcher> streams =
        STREAM_PATHS.stream()
            .map(path -> (RequestMatcher) PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.GET, path))
            .toList();
    return request -> {
      String token = header.resolve(request);
      if (token != null || request.getCookies() == null || streams.stream().noneMatch(m -> m.matches(request))) {
        return token;
      }
      for (Cookie cookie : request.getCookies()) {
        if (properties.cookieName().equals(cookie.getName()) && !cookie.getValue().isBlank()) {
          return cookie.getValue();
        }
      }
      return null;
    };
  }

  /**
   * The agent-stream face ({@code /ai/**}): every request needs a valid token; errors in the face's dialect. Its own
   * chain, ahead of the canonical one, so that nothing under {@code /ai/} falls through to an open default.
   */
  @Bean
  @Order(1)
  public SecurityFilterChain agentStreamSecurity(
      HttpSecurity http, Problems problems, BearerTokenResolver tokenResolver, SecurityProperties properties)
      throws Exception {
    http.securityMatcher(AgentStreamFace.PATHS)
        .authorizeHttpRequests(
            authorize ->
                authorize.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC).permitAll()
                    .anyRequest().authenticated());
    return stateless(http, problems, tokenResolver, CorsPolicy.source(properties.cors())).build();
  }

  /** The genie face ({@code /api/genie/**}): every request needs a valid token; errors as {@code {"error"}}. */
  @Bean
  @Order(2)
  public SecurityFilterChain genieSecurity(
      HttpSecurity http, Problems problems, BearerTokenResolver tokenResolver, SecurityProperties properties)
      throws Exception {
    http.securityMatcher(io.runstream.core.face.GenieFace.PATHS)
        .authorizeHttpRequests(
            authorize ->
                authorize.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC).permitAll()
                    .anyRequest().authenticated());
    return stateless(http, problems, tokenResolver, CorsPolicy.source(properties.cors())).build();
  }

  /** The canonical face ({@code /api/**}) and everything else: problem+json errors. */
  @Bean
  @Order(10)
  public SecurityFilterChain runstreamSecurity(
      HttpSecurity http, Problems problems, BearerTokenResolver tokenResolver, SecurityProperties properties)
      throws Exception {
    http.authorizeHttpRequests(
        authorize ->
            authorize
                .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC)
                .permitAll()
                .requestMatchers(HttpMethod.DELETE, SignInCookieController.PATH)
                .permitAll()
                .requestMatchers("/actuator/**")
                .permitAll()
                .requestMatchers("/api/**")
                .authenticated()
                .anyRequest()
                .permitAll());
    return stateless(http, problems, tokenResolver, CorsPolicy.source(properties.cors())).build();
  }

  /** What every face's chain shares: stateless bearer tokens, errors answered in the request's face dialect. */
  private static HttpSecurity stateless(
      HttpSecurity http, Problems problems, BearerTokenResolver tokenResolver, CorsConfigurationSource cors)
      throws Exception {
    AuthenticationEntryPoint unauthorized =
        (request, response, e) ->
            problems.write(
                request,
                response,
                new ApiException(
                    HttpStatus.UNAUTHORIZED,
                    "unauthorized",
                    "Unauthorized",
                    "A valid bearer token is required.",
                    Map.of(),
                    Map.of("WWW-Authenticate", "Bearer")));
    AccessDeniedHandler denied =
        (request, response, e) ->
            problems.write(
                request, response, new ApiException(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "Not allowed."));
    return http.cors(c -> c.configurationSource(cors))
        .csrf(csrf -> csrf.disable())
        .httpBasic(basic -> basic.disable())
        .formLogin(form -> form.disable())
        .logout(logout -> logout.disable())
        .requestCache(cache -> cache.disable())
        .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .oauth2ResourceServer(
            oauth ->
                oauth
                    .bearerTokenResolver(tokenResolver)
                    .authenticationEntryPoint(unauthorized)
                    .accessDeniedHandler(denied)
                    .jwt(jwt -> {}))
        .exceptionHandling(ex -> ex.authenticationEntryPoint(unauthorized).accessDeniedHandler(denied));
  }
}
