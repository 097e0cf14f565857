package io.runstream.core.identity;

import io.runstream.core.face.Face;
import io.runstream.core.face.FaceAuthentication;
import io.runstream.core.face.FaceRegistry;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Problems;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Builds a registered face's security filter chain from what the face declares: its paths, every
 * request of them authenticated (error and async dispatches aside), by the bearer JWT or the face's
 * API key, errors answered in the face's dialect. The chains are ordered as the registry lists the
 * faces, all ahead of the default chain.
 */
@Component
public class FaceSecurity {
  private final ObjectProvider<HttpSecurity> http;
  private final Problems problems;
  private final BearerTokenResolver tokenResolver;
  private final SecurityProperties properties;
  private final FaceRegistry faces;

  public FaceSecurity(
      ObjectProvider<HttpSecurity> http,
      Problems problems,
      BearerTokenResolver tokenResolver,
      SecurityProperties properties,
      FaceRegistry faces) {
    this.http = http;
    this.problems = problems;
    this.tokenResolver = tokenResolver;
    this.properties = properties;
    this.faces = faces;
  }

  /** The chain's order: the face's place in the registry, ahead of the default chain. */
  int order(Face face) {
    return 1 + faces.faces().indexOf(face);
  }

  /** The face's chain; one that matches nothing for a face without paths of its own. */
  public SecurityFilterChain chain(Face face) {
    List<String> paths = face.paths();
    if (paths.isEmpty()) {
      return new OrderedChain(new NoChain(), order(face));
    }
    try {
      HttpSecurity security =
          SecurityConfiguration.authenticated(http.getObject(), paths.toArray(String[]::new));
      CorsConfigurationSource cors =
          CorsPolicy.source(
              properties.cors(), face.corsRequestHeaders(), face.corsExposedHeaders());
      SecurityFilterChain chain =
          switch (face.authentication()) {
            case FaceAuthentication.Bearer bearer ->
                SecurityConfiguration.stateless(security, problems, tokenResolver, cors).build();
            case FaceAuthentication.ApiKey key -> keyed(security, key, cors);
          };
      return new OrderedChain(chain, order(face));
    } catch (Exception e) {
      throw new IllegalStateException("the security chain of face " + face.name(), e);
    }
  }

  /**
   * Every request needs the key in its header and is authenticated by it alone, as the key's
   * subject of its organisation (403 otherwise; a bearer token is not looked at).
   */
  private SecurityFilterChain keyed(
      HttpSecurity http, FaceAuthentication.ApiKey apiKey, CorsConfigurationSource cors)
      throws Exception {
    byte[] key = apiKey.key().getBytes(StandardCharsets.UTF_8);
    OncePerRequestFilter filter =
        new OncePerRequestFilter() {
          @Override
          protected void doFilterInternal(
              HttpServletRequest request, HttpServletResponse response, FilterChain chain)
              throws ServletException, IOException {
            if ("OPTIONS".equals(request.getMethod())) {
              chain.doFilter(request, response);
              return;
            }
            String given = request.getHeader(apiKey.header());
            if (given == null
                || !MessageDigest.isEqual(key, given.getBytes(StandardCharsets.UTF_8))) {
              problems.write(request, response, invalidKey());
              return;
            }
            Instant now = Instant.now();
            Jwt jwt =
                Jwt.withTokenValue("api-key")
                    .header("alg", "none")
                    .subject(apiKey.subject())
                    .claim("org", apiKey.organisation())
                    .claim("name", "API key")
                    .claim("service", true)
                    .issuedAt(now)
                    .expiresAt(now.plusSeconds(60))
                    .build();
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(
                new JwtAuthenticationToken(
                    jwt, List.of(new SimpleGrantedAuthority("ROLE_API_KEY"))));
            SecurityContextHolder.setContext(context);
            try {
              chain.doFilter(request, response);
            } finally {
              SecurityContextHolder.clearContext();
            }
          }
        };
    AuthenticationEntryPoint forbidden =
        (request, response, e) -> problems.write(request, response, invalidKey());
    return http.cors(c -> c.configurationSource(cors))
        .csrf(csrf -> csrf.disable())
        .httpBasic(basic -> basic.disable())
        .formLogin(form -> form.disable())
        .logout(logout -> logout.disable())
        .requestCache(cache -> cache.disable())
        .sessionManagement(
            session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .addFilterBefore(filter, AuthorizationFilter.class)
        .exceptionHandling(ex -> ex.authenticationEntryPoint(forbidden))
        .build();
  }

  private static ApiException invalidKey() {
    return new ApiException(
        HttpStatus.FORBIDDEN, "invalid_api_key", "Forbidden", "Invalid or missing API key");
  }

  /** A face's chain, ordered among the chains by the face's place in the registry. */
  record OrderedChain(SecurityFilterChain chain, int order)
      implements SecurityFilterChain, Ordered {
    @Override
    public boolean matches(HttpServletRequest request) {
      return chain.matches(request);
    }

    @Override
    public List<Filter> getFilters() {
      return chain.getFilters();
    }

    @Override
    public int getOrder() {
      return order;
    }
  }

  /** The chain of a face served by the default chain: matches nothing. */
  private static final class NoChain implements SecurityFilterChain {
    @Override
    public boolean matches(HttpServletRequest request) {
      return false;
    }

    @Override
    public List<Filter> getFilters() {
      return List.of();
    }
  }
}
