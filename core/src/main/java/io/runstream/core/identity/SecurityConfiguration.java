package io.runstream.core.identity;

import com.nimbusds.jwt.JWTParser;
import io.runstream.core.face.Face;
import io.runstream.core.face.FaceBeans;
import io.runstream.core.face.FaceRegistry;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Problems;
import io.runstream.core.startup.StartupFailures;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.Cookie;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfigurationSource;

/**
 * Stateless JWT security, one filter chain per registered face ({@link FaceRegistry}, built by
 * {@link FaceSecurity}) and the default chain: every face's paths need a valid token (or the face's
 * API key); errors answer in the face's dialect.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {
  /** The default chain's order: after every face's ({@link FaceSecurity#order}). */
  static final int DEFAULT_CHAIN_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

  /**
   * HS256 tokens are checked with the configured secret; when an issuer is configured, tokens
   * signed with an asymmetric algorithm are checked against the issuer's keys and {@code iss}, and
   * HS256 tokens are refused unless {@code allow-hs256-with-issuer} is set. Every token must carry
   * {@code exp} (and {@code aud} containing the configured audience, if one is). Anything else,
   * {@code alg: none} included, is refused. Without a secret or an issuer the service does not
   * start: there is no default secret (only the embedded default makes one up).
   */
  @Bean
  public JwtDecoder runstreamJwtDecoder(SecurityProperties properties) {
    checkSettings(properties);
    OAuth2TokenValidator<Jwt> claims = claimsValidator(properties);
    JwtDecoder hs256 = null;
    if (properties.acceptsHs256()) {
      SecretKeySpec key =
          new SecretKeySpec(properties.jwtSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
      NimbusJwtDecoder decoder =
          NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
      decoder.setJwtValidator(
          new DelegatingOAuth2TokenValidator<>(JwtValidators.createDefault(), claims));
      hs256 = decoder;
    }
    JwtDecoder jwks = null;
    if (!properties.jwkSetUri().isBlank()) {
      NimbusJwtDecoder decoder =
          NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri())
              .jwsAlgorithms(SecurityConfiguration::asymmetric)
              .build();
      decoder.setJwtValidator(issuerValidator(properties, claims));
      jwks = decoder;
    } else if (!properties.issuerUri().isBlank()) {
      // Discovery on first use, so that an issuer that is down at start-up does not keep the
      // service down.
      jwks =
          new SupplierJwtDecoder(
              () -> {
                NimbusJwtDecoder decoder =
                    NimbusJwtDecoder.withIssuerLocation(properties.issuerUri())
                        .jwsAlgorithms(SecurityConfiguration::asymmetric)
                        .build();
                decoder.setJwtValidator(issuerValidator(properties, claims));
                return decoder;
              });
    }
    JwtDecoder sharedSecret = hs256;
    JwtDecoder issuerKeys = jwks;
    JwtDecoder verify =
        token -> {
          String algorithm;
          try {
            algorithm = JWTParser.parse(token).getHeader().getAlgorithm().getName();
          } catch (ParseException | RuntimeException e) {
            throw new BadJwtException("Malformed token");
          }
          if ("HS256".equals(algorithm) && sharedSecret != null) {
            return sharedSecret.decode(token);
          }
          if (issuerKeys != null
              && !"none".equalsIgnoreCase(algorithm)
              && !algorithm.startsWith("HS")) {
            return issuerKeys.decode(token);
          }
          throw new BadJwtException("Unsupported algorithm " + algorithm);
        };
    return new VerifiedTokens(
        verify, properties.verifiedTokenCache(), Duration.ofMinutes(5), Clock.systemUTC());
  }

  /**
   * Secrets that were published (in this project's history or its deployment files) and so protect
   * nothing.
   */
  private static final List<String> PUBLISHED_SECRETS =
      List.of("runstream-dev-secret-change-me-0123456789abcdef");

  /**
   * Refuses to start without a way to verify tokens, or with a secret that is too short or
   * published.
   */
  static void checkSettings(SecurityProperties properties) {
    String secret = properties.jwtSecret();
    String setting =
        "set runstream.security.jwt-secret (RUNSTREAM_JWT_SECRET for bin/runstream, "
            + "RUNSTREAM_SECURITY_JWTSECRET in a container) to 32 or more random bytes";
    if (secret.isBlank() && !properties.hasIssuer()) {
      throw new StartupFailures.SettingRefused(
          "no way to verify tokens is configured: "
              + setting
              + ", or runstream.security.issuer-uri to your identity provider (there is no default secret).");
    }
    if (secret.isBlank()) {
      return;
    }
    if (secret.getBytes(StandardCharsets.UTF_8).length < SecurityProperties.MIN_SECRET_BYTES) {
      throw new StartupFailures.SettingRefused(
          "runstream.security.jwt-secret is shorter than "
              + SecurityProperties.MIN_SECRET_BYTES
              + " bytes: "
              + setting
              + ".");
    }
    if (PUBLISHED_SECRETS.contains(secret)
        || secret.toLowerCase(Locale.ROOT).contains("change-me")) {
      throw new StartupFailures.SettingRefused(
          "runstream.security.jwt-secret is a published placeholder, not a secret: "
              + setting
              + " (for example: openssl rand -base64 48).");
    }
  }

  /** {@code exp} is required; {@code aud} must name the configured audience, if one is. */
  private static OAuth2TokenValidator<Jwt> claimsValidator(SecurityProperties properties) {
    List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
    validators.add(new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull));
    if (!properties.audience().isBlank()) {
      String audience = properties.audience();
      validators.add(
          new JwtClaimValidator<List<String>>(
              JwtClaimNames.AUD, aud -> aud != null && aud.contains(audience)));
    }
    return new DelegatingOAuth2TokenValidator<>(validators);
  }

  private static OAuth2TokenValidator<Jwt> issuerValidator(
      SecurityProperties properties, OAuth2TokenValidator<Jwt> claims) {
    OAuth2TokenValidator<Jwt> standard =
        properties.issuerUri().isBlank()
            ? JwtValidators.createDefault()
            : JwtValidators.createDefaultWithIssuer(properties.issuerUri());
    return new DelegatingOAuth2TokenValidator<>(standard, claims);
  }

  private static void asymmetric(Set<SignatureAlgorithm> algorithms) {
    algorithms.add(SignatureAlgorithm.RS256);
    algorithms.add(SignatureAlgorithm.RS384);
    algorithms.add(SignatureAlgorithm.RS512);
    algorithms.add(SignatureAlgorithm.ES256);
    algorithms.add(SignatureAlgorithm.ES384);
    algorithms.add(SignatureAlgorithm.PS256);
  }

  /**
   * Spring Security's observations of its filter chains are off (a span before and one after the
   * chain, and an event per filter, on every request, and kept for the whole life of a held SSE
   * stream: issue #12, ADR 0011). Authentication and authorization are not observed either by
   * default ({@code management.observations.enable.spring.security=false} in the defaults: 884 ->
   * 764 us of CPU per JWT GET on 2 cores, issue #25); set it to true to see them in traces again.
   */
  @Bean
  public SecurityObservationSettings securityObservations(Environment environment) {
    // Not observed, not wrapped either: the wrappers cost on every request even when off.
    boolean observed =
        environment.getProperty(
            "management.observations.enable.spring.security", Boolean.class, true);
    return SecurityObservationSettings.withDefaults()
        .shouldObserveRequests(false)
        .shouldObserveAuthentications(observed)
        .shouldObserveAuthorizations(observed)
        .build();
  }

  /** Spring Security's strict firewall, its character rules without regular expressions. */
  @Bean
  public HttpFirewall runstreamFirewall() {
    return FastFirewall.create();
  }

  /**
   * The header first; the SSE GETs of every registered face ({@link Face#streamPaths()}) also take
   * the token from the cookie. A cookie can never authenticate a POST or any other read.
   */
  @Bean
  public BearerTokenResolver runstreamBearerTokenResolver(
      SecurityProperties properties, FaceRegistry faces) {
    DefaultBearerTokenResolver header = new DefaultBearerTokenResolver();
    List<RequestMatcher> streams =
        faces.streamPaths().stream()
            .map(
                path ->
                    (RequestMatcher)
                        PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.GET, path))
            .toList();
    return request -> {
      String token = bearer(request.getHeader(HttpHeaders.AUTHORIZATION));
      if (token == null) {
        // Absent, or another scheme, or malformed: the default resolver's answer (and error).
        token = header.resolve(request);
      }
      if (token != null
          || request.getCookies() == null
          || streams.stream().noneMatch(m -> m.matches(request))) {
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
   * The token of a well-formed {@code Bearer} header ({@code b64token} of RFC 6750, what the
   * default resolver's pattern accepts), without a regular expression; null for anything else.
   */
  public static String bearer(String authorization) {
    if (authorization == null
        || authorization.length() <= 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    int end = authorization.length();
    while (end > 7 && authorization.charAt(end - 1) == '=') {
      end--;
    }
    if (end == 7) {
      return null;
    }
    for (int i = 7; i < end; i++) {
      char c = authorization.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '.'
              || c == '_'
              || c == '~'
              || c == '+'
              || c == '/';
      if (!allowed) {
        return null;
      }
    }
    return authorization.substring(7);
  }

  /**
   * One filter chain per registered {@link Face} that has paths of its own, derived from the
   * registry: a bean per face bean ({@code <face bean>SecurityChain}), built by {@link
   * FaceSecurity}, ahead of the default chain, so that nothing of a face's paths falls through to
   * an open default. A face added as a bean gets its chain without an edit here.
   */
  @Bean
  public static BeanFactoryPostProcessor faceSecurityChains() {
    return FaceBeans.perFace(
        "SecurityChain",
        SecurityFilterChain.class,
        (beans, face) -> beans.getBean(FaceSecurity.class).chain(face));
  }

  /**
   * The canonical face ({@code /api/**}) and everything else: problem+json errors. The operational
   * endpoints: the health probes ({@code /actuator/health}, its liveness and readiness groups) are
   * open for load balancers and orchestrators; every other actuator endpoint (metrics, Prometheus,
   * info) needs a platform operator's token ({@code runstream.security.operator-subjects}) on the
   * public port, and is open on a separate management port ({@code management.server.port}, which
   * the deployment keeps off the public network).
   */
  @Bean
  @Order(DEFAULT_CHAIN_ORDER)
  public SecurityFilterChain runstreamSecurity(
      HttpSecurity http,
      Problems problems,
      BearerTokenResolver tokenResolver,
      SecurityProperties properties,
      Environment environment)
      throws Exception {
    RequestMatcher managementPort = managementPort(environment);
    Set<String> operators = Set.copyOf(properties.operatorSubjects());
    AuthorizationManager<RequestAuthorizationContext> operator =
        (authentication, context) ->
            new AuthorizationDecision(
                authentication.get()
                        instanceof
                        org.springframework.security.oauth2.server.resource.authentication
                                .JwtAuthenticationToken
                            token
                    && operators.contains(token.getToken().getSubject()));
    http.authorizeHttpRequests(
        authorize ->
            authorize
                .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC)
                .permitAll()
                .requestMatchers(HttpMethod.DELETE, SignInCookieController.PATH)
                .permitAll()
                .requestMatchers(
                    HttpMethod.GET,
                    "/actuator/health",
                    "/actuator/health/liveness",
                    "/actuator/health/readiness")
                .permitAll()
                .requestMatchers(managementPort)
                .permitAll()
                .requestMatchers("/actuator", "/actuator/**")
                .access(operator)
                .requestMatchers("/api/**")
                .authenticated()
                .anyRequest()
                .permitAll());
    return stateless(http, problems, tokenResolver, CorsPolicy.source(properties.cors())).build();
  }

  /**
   * Requests that arrived on a separate management port ({@code management.server.port} set and not
   * the server's port); matches nothing when the actuator shares the public port.
   */
  private static RequestMatcher managementPort(Environment environment) {
    Integer management = environment.getProperty("management.server.port", Integer.class);
    Integer server = environment.getProperty("server.port", Integer.class, 8080);
    if (management == null || management <= 0 || management.equals(server)) {
      return request -> false;
    }
    return request -> request.getLocalPort() == management;
  }

  /**
   * A face's chain: its paths, every request of them authenticated (error and async dispatches
   * aside).
   */
  static HttpSecurity authenticated(HttpSecurity http, String... paths) throws Exception {
    return http.securityMatcher(paths)
        .authorizeHttpRequests(
            authorize ->
                authorize
                    .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC)
                    .permitAll()
                    .anyRequest()
                    .authenticated());
  }

  /**
   * What every face's chain shares: stateless bearer tokens, errors answered in the request's face
   * dialect.
   */
  static HttpSecurity stateless(
      HttpSecurity http,
      Problems problems,
      BearerTokenResolver tokenResolver,
      CorsConfigurationSource cors)
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
                request,
                response,
                new ApiException(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "Not allowed."));
    return http.cors(c -> c.configurationSource(cors))
        .csrf(csrf -> csrf.disable())
        .httpBasic(basic -> basic.disable())
        .formLogin(form -> form.disable())
        .logout(logout -> logout.disable())
        .requestCache(cache -> cache.disable())
        .sessionManagement(
            session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .oauth2ResourceServer(
            oauth ->
                oauth
                    .bearerTokenResolver(tokenResolver)
                    .authenticationEntryPoint(unauthorized)
                    .accessDeniedHandler(denied)
                    .jwt(jwt -> {}))
        .exceptionHandling(
            ex -> ex.authenticationEntryPoint(unauthorized).accessDeniedHandler(denied));
  }
}
