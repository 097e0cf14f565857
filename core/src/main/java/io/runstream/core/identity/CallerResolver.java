package io.runstream.core.identity;

import io.runstream.core.problem.ApiException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * Resolves the request's JWT to a {@link Caller}; organisations and users come into being on first
 * authenticated use. Resolutions are cached briefly so that a stream of requests does not write on
 * every call.
 */
@Component
public class CallerResolver {
  private static final Duration CACHE_TTL = Duration.ofMinutes(5);
  private static final int CACHE_SIZE = 10_000;

  private final JdbcClient jdbc;
  private final Map<String, Cached> cache =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  private record Cached(Caller caller, long expiresAtNanos) {}

  private final Set<String> serviceSubjects;
  private final Set<String> operatorSubjects;

  public CallerResolver(JdbcClient jdbc, SecurityProperties properties) {
    this.jdbc = jdbc;
    this.serviceSubjects = Set.copyOf(properties.serviceSubjects());
    this.operatorSubjects = Set.copyOf(properties.operatorSubjects());
  }

  /** The caller of the current request. */
  public Caller current() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication instanceof JwtAuthenticationToken token) {
      return resolve(token.getToken());
    }
    throw new ApiException(
        HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", "A bearer token is required.");
  }

  /** Resolves a validated token to a caller, creating its organisation and user if new. */
  public Caller resolve(Jwt jwt) {
    String org = text(jwt.getClaim("org"));
    String subject = jwt.getSubject();
    if (org == null || org.isBlank() || subject == null || subject.isBlank()) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED,
          "invalid_token",
          "Unauthorized",
          "The token must carry the sub and org claims.");
    }
    String name = text(jwt.getClaim("name"));
    String email = text(jwt.getClaim("email"));
    Object adminClaim = jwt.getClaim("admin");
    boolean admin = Boolean.TRUE.equals(adminClaim) || "true".equals(text(adminClaim));
    Object serviceClaim = jwt.getClaim("service");
    boolean service =
        Boolean.TRUE.equals(serviceClaim)
            || "true".equals(text(serviceClaim))
            || serviceSubjects.contains(subject);
    String key =
        org + '\u0000' + subject + '\u0000' + name + '\u0000' + email + '\u0000' + admin + '\u0000'
            + service;
    long now = System.nanoTime();
    synchronized (cache) {
      Cached cached = cache.get(key);
      if (cached != null && cached.expiresAtNanos() - now > 0) {
        return cached.caller();
      }
    }
    Caller caller = upsert(org, subject, name, email, admin, service);
    synchronized (cache) {
      cache.put(key, new Cached(caller, now + CACHE_TTL.toNanos()));
    }
    return caller;
  }

  /**
   * The id of the user {@code subject} of the organisation (for an administrator acting on another
   * user's data), creating the user's row if they have never called; their name and email come with
   * their first own request.
   */
  public UUID userOf(UUID orgId, String subject) {
    return jdbc.sql(
            """
            INSERT INTO users (id, org_id, subject) VALUES (:id, :org, :sub)
            ON CONFLICT (org_id, subject) DO UPDATE SET subject = EXCLUDED.subject
            RETURNING id""")
        .param("id", UUID.randomUUID())
        .param("org", orgId)
        .param("sub", subject)
        .query(UUID.class)
        .single();
  }

  /**
   * The id of the organisation its tokens name {@code externalId}, created if it has never called.
   */
  public UUID organisation(String externalId) {
    return jdbc.sql(
            """
            INSERT INTO organisations (id, external_id) VALUES (:id, :ext)
            ON CONFLICT (external_id) DO UPDATE SET external_id = EXCLUDED.external_id
            RETURNING id""")
        .param("id", UUID.randomUUID())
        .param("ext", externalId)
        .query(UUID.class)
        .single();
  }

  private Caller upsert(
      String org, String subject, String name, String email, boolean admin, boolean service) {
    UUID orgId = organisation(org);
    UUID userId =
        jdbc.sql(
                """
                INSERT INTO users (id, org_id, subject, name, email, is_admin) VALUES (:id, :org, :sub, :name, :email, :admin)
                ON CONFLICT (org_id, subject) DO UPDATE
                  SET name = EXCLUDED.name, email = EXCLUDED.email, is_admin = EXCLUDED.is_admin, updated_at = now()
                RETURNING id""")
            .param("id", UUID.randomUUID())
            .param("org", orgId)
            .param("sub", subject)
            .param("name", name)
            .param("email", email)
            .param("admin", admin)
            .query(UUID.class)
            .single();
    return new Caller(
        orgId,
        userId,
        subject,
        name,
        email,
        admin,
        org,
        service,
        operatorSubjects.contains(subject));
  }

  private static String text(Object claim) {
    return claim == null ? null : claim.toString();
  }
}
