package io.runstream.fanout.canonical;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.identity.FastFirewall;
import io.runstream.core.identity.SecurityConfiguration;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ProblemAdvice;
import io.runstream.core.problem.Problems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.header.HeaderWriter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.HstsHeaderWriter;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.header.writers.XXssProtectionHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The canonical face's stream GETs of a server-side reader ({@code GET
 * /api/v1/sessions/{uuid}/stream}, {@code GET /api/v1/runs/{uuid}/stream} with a bearer token and
 * no {@code Origin}) opened without Spring Security's filter chain and Spring MVC (issue #25):
 * opening a stream is the cost of a reconnect storm, and the chain and the dispatch were about a
 * third of it. Served by the same controller code ({@link CanonicalStreamController}), with the
 * same answers: the token checked by the same {@link JwtDecoder}, the caller resolved by the same
 * {@link CallerResolver}, every header checked by the firewall's rules ({@link FastFirewall}), the
 * security headers written by Spring Security's own writers, errors in the face's dialect ({@link
 * Problems}); the stream admission ({@code StreamAdmission}) and the request's observation run
 * before it as for any request.
 *
 * <p>Anything else takes the regular path, unchanged: another path or method, a browser's request
 * (an {@code Origin}: CORS), a cookie instead of a token, a token that does not verify (its 401 is
 * the chain's), a header or a query the firewall's rules refuse. {@code
 * runstream.fanout.direct-streams=false} sends every request the regular way.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 6)
public class DirectStreams extends OncePerRequestFilter {
  private static final String SESSIONS = "/api/v1/sessions/";
  private static final String RUNS = "/api/v1/runs/";
  private static final String STREAM = "/stream";
  private static final int UUID_LENGTH = 36;

  /** What a query may hold here: {@code after=<id>}, {@code compact=<flag>}. */
  private static final Pattern QUERY = Pattern.compile("[A-Za-z0-9=&_.-]*");

  private final boolean enabled;
  private final JwtDecoder decoder;
  private final CallerResolver callers;
  private final CanonicalStreamController streams;
  private final Problems problems;
  private final Counter direct;

  /** The security headers Spring Security writes by default (its {@code HeadersConfigurer}). */
  private final HeaderWriterFilter headers =
      new HeaderWriterFilter(
          List.<HeaderWriter>of(
              new XContentTypeOptionsHeaderWriter(),
              new XXssProtectionHeaderWriter(),
              new CacheControlHeadersWriter(),
              new HstsHeaderWriter(),
              new XFrameOptionsHeaderWriter(XFrameOptionsHeaderWriter.XFrameOptionsMode.DENY)));

  public DirectStreams(
      @Value("${runstream.fanout.direct-streams:true}") boolean enabled,
      JwtDecoder decoder,
      CallerResolver callers,
      CanonicalStreamController streams,
      Problems problems,
      MeterRegistry meters) {
    this.direct =
        Counter.builder("runstream.fanout.streams.direct")
            .description("canonical stream GETs opened without the security filter chain and MVC")
            .register(meters);
    this.enabled = enabled;
    this.decoder = decoder;
    this.callers = callers;
    this.streams = streams;
    this.problems = problems;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !enabled
        || !"GET".equals(request.getMethod())
        || request.getDispatcherType() != DispatcherType.REQUEST
        || request.getHeader(HttpHeaders.ORIGIN) != null
        || id(request.getRequestURI()) == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Caller caller = caller(request);
    if (caller == null) {
      chain.doFilter(request, response);
      return;
    }
    String uri = request.getRequestURI();
    String id = id(uri);
    boolean session = uri.startsWith(SESSIONS);
    direct.increment();
    headers.doFilter(
        request,
        response,
        (req, res) ->
            serve(caller, session, id, (HttpServletRequest) req, (HttpServletResponse) res));
  }

  /**
   * The session's or run's id in a canonical stream path ({@code /api/v1/sessions/<uuid>/stream},
   * {@code /api/v1/runs/<uuid>/stream}, the UUID in its 8-4-4-4-12 hex form and nothing else in the
   * path); null for any other path.
   */
  static String id(String uri) {
    int start =
        uri.startsWith(SESSIONS) ? SESSIONS.length() : uri.startsWith(RUNS) ? RUNS.length() : -1;
    if (start < 0
        || uri.length() != start + UUID_LENGTH + STREAM.length()
        || !uri.endsWith(STREAM)) {
      return null;
    }
    for (int i = 0; i < UUID_LENGTH; i++) {
      char c = uri.charAt(start + i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (dash ? c != '-' : !hex) {
        return null;
      }
    }
    return uri.substring(start, start + UUID_LENGTH);
  }

  /** The verified caller of a request the direct way may serve; null: the regular way serves it. */
  private Caller caller(HttpServletRequest request) {
    String query = request.getQueryString();
    if (query != null && !QUERY.matcher(query).matches()) {
      return null;
    }
    Enumeration<String> names = request.getHeaderNames();
    while (names.hasMoreElements()) {
      String name = names.nextElement();
      if (!FastFirewall.NAMES.test(name)) {
        return null;
      }
      Enumeration<String> values = request.getHeaders(name);
      while (values.hasMoreElements()) {
        if (!FastFirewall.HEADER_VALUES.test(values.nextElement())) {
          return null;
        }
      }
    }
    String token = SecurityConfiguration.bearer(request.getHeader(HttpHeaders.AUTHORIZATION));
    if (token == null) {
      return null;
    }
    try {
      Jwt jwt = decoder.decode(token);
      return callers.resolve(jwt);
    } catch (RuntimeException e) {
      // A token that does not verify, an issuer or a database away: the regular way answers it
      // (its 401, its 503).
      return null;
    }
  }

  private void serve(
      Caller caller,
      boolean session,
      String id,
      HttpServletRequest request,
      HttpServletResponse response)
      throws IOException {
    // As CorsFilter writes on every answer of the regular way.
    response.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    response.addHeader(HttpHeaders.VARY, HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    response.addHeader(HttpHeaders.VARY, HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
    // The stream suspends through the request the MVC dispatch would have bound.
    RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request, response));
    try {
      if (session) {
        streams.session(caller, id, request, response);
      } else {
        streams.run(caller, id, request, response);
      }
    } catch (ApiException e) {
      problems.write(request, response, e);
    } catch (RuntimeException e) {
      // As the MVC dispatch's ProblemAdvice answers it (a database away for a moment: 503).
      ApiException problem = ProblemAdvice.problem(e, request);
      if (ProblemAdvice.answerable(response)) {
        problems.write(request, response, problem);
      }
    } finally {
      RequestContextHolder.resetRequestAttributes();
    }
  }
}
