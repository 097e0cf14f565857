package io.runstream.fanout.canonical;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.identity.FastFirewall;
import io.runstream.core.identity.SecurityConfiguration;
import io.runstream.core.store.RunRow;
import io.runstream.core.web.AheadOfServlets;
import io.runstream.fanout.sse.JettyExchange;
import io.runstream.fanout.sse.ResumePoint;
import io.runstream.fanout.stream.StreamAdmission;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.stereotype.Component;

/**
 * The canonical face's stream GETs of a server-side reader ({@code GET
 * /api/v1/sessions/{uuid}/stream}, {@code GET /api/v1/runs/{uuid}/stream} with a bearer token and
 * no {@code Origin}) served on Jetty's own request and response, ahead of the servlet context
 * (issue #25, ADRs 0023 and 0024): opening a stream is the cost of a reconnect storm, and the
 * servlet request, Spring Security's filter chain, the request's observation and the MVC dispatch
 * were most of it. Served by the same controller code ({@link CanonicalStreamController}) and the
 * same reader and rendering, with the same answers: the token checked by the same {@link
 * JwtDecoder}, the caller resolved by the same {@link CallerResolver}, every header checked by the
 * firewall's rules ({@link FastFirewall}), the security headers Spring Security writes by default,
 * a seat among the opening streams ({@link StreamAdmission}).
 *
 * <p>Anything else is left to the servlet context, unchanged: another path or method, a browser's
 * request (an {@code Origin}: CORS), a cookie instead of a token, a token that does not verify (its
 * 401 is the chain's), a header or a query the firewall's rules refuse, an opening refused a seat
 * among the opening streams (the regular way's 503 with {@code Retry-After}), and any error before
 * the stream's first bytes (a 404, a 400, a user's stream limit: the regular way answers it in the
 * face's dialect). {@code runstream.fanout.direct-streams=false} sends every request the regular
 * way.
 */
@Component
public class DirectStreams implements AheadOfServlets {
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
  private final StreamAdmission admission;
  private final Counter direct;

  public DirectStreams(
      @Value("${runstream.fanout.direct-streams:true}") boolean enabled,
      JwtDecoder decoder,
      CallerResolver callers,
      CanonicalStreamController streams,
      StreamAdmission admission,
      MeterRegistry meters) {
    this.direct =
        Counter.builder("runstream.fanout.streams.direct")
            .description("canonical stream GETs opened ahead of the servlets (ADR 0024)")
            .register(meters);
    this.enabled = enabled;
    this.decoder = decoder;
    this.callers = callers;
    this.streams = streams;
    this.admission = admission;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (!enabled || !"GET".equals(request.getMethod())) {
      return false;
    }
    HttpFields headers = request.getHeaders();
    String path = request.getHttpURI().getPath();
    String id = path == null ? null : id(path);
    if (id == null || headers.contains(HttpHeader.ORIGIN)) {
      return false;
    }
    // A seat among the opening streams first, as the regular way's admission runs before its
    // authentication: a storm is shed before tokens are verified.
    if (!admission.enter()) {
      return false; // the regular way's 503 with Retry-After
    }
    try {
      Caller caller = caller(request);
      // No caller: the regular way's 401 (or 503: an issuer or the database away).
      return caller != null && serve(caller, path, id, request, response, callback);
    } finally {
      StreamAdmission.opened();
    }
  }

  private boolean serve(
      Caller caller,
      String path,
      String id,
      Request request,
      Response response,
      Callback callback) {
    HttpFields headers = request.getHeaders();
    JettyExchange exchange = new JettyExchange(request, response, callback);
    try {
      securityHeaders(request, exchange);
      Fields query = Request.extractQueryParameters(request);
      Long after = ResumePoint.from(headers.get("Last-Event-ID"), query.getValue("after"));
      boolean compact =
          ResumePoint.compact(headers.getValuesList("Prefer"), query.getValue(ResumePoint.COMPACT));
      if (path.startsWith(SESSIONS)) {
        UUID session = streams.sessionOf(caller, id);
        streams.session(caller, session, after, compact, exchange);
      } else {
        RunRow run = streams.runOf(caller, id);
        streams.run(caller, run, after, compact, exchange);
      }
      if (!exchange.committed()) {
        cacheHeaders(exchange);
      }
      direct.increment();
      exchange.served();
      return true;
    } catch (IOException | RuntimeException e) {
      if (!exchange.committed()) {
        // Nothing was sent: the regular way answers it (a 404, a 400, the user's stream limit, a
        // database away), in the face's dialect.
        response.reset();
        return false;
      }
      exchange.abort(e);
      return true;
    }
  }

  /**
   * The headers Spring Security's {@code HeadersConfigurer} writes by default, and the {@code Vary}
   * its CORS filter adds to every answer.
   */
  private static void securityHeaders(Request request, JettyExchange exchange) {
    exchange.header("X-Content-Type-Options", "nosniff");
    exchange.header("X-XSS-Protection", "0");
    exchange.header("X-Frame-Options", "DENY");
    if (request.isSecure()) {
      exchange.header("Strict-Transport-Security", "max-age=31536000 ; includeSubDomains");
    }
    exchange.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    exchange.addHeader(HttpHeaders.VARY, HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    exchange.addHeader(HttpHeaders.VARY, HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
  }

  /**
   * As Spring Security's {@code CacheControlHeadersWriter}: no caching, unless the answer says
   * otherwise (an event stream's {@code Cache-Control: no-cache}).
   */
  private static void cacheHeaders(JettyExchange exchange) {
    if (exchange.hasHeader(HttpHeaders.CACHE_CONTROL)
        || exchange.hasHeader(HttpHeaders.EXPIRES)
        || exchange.hasHeader(HttpHeaders.PRAGMA)
        || exchange.status() == 304) {
      return;
    }
    exchange.header(HttpHeaders.CACHE_CONTROL, "no-cache, no-store, max-age=0, must-revalidate");
    exchange.header(HttpHeaders.PRAGMA, "no-cache");
    exchange.header(HttpHeaders.EXPIRES, "0");
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
  private Caller caller(Request request) {
    String query = request.getHttpURI().getQuery();
    if (query != null && !QUERY.matcher(query).matches()) {
      return null;
    }
    for (HttpField field : request.getHeaders()) {
      if (!FastFirewall.NAMES.test(field.getName())
          || !FastFirewall.HEADER_VALUES.test(field.getValue())) {
        return null;
      }
    }
    String token = SecurityConfiguration.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION));
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
}
