package io.runstream.fanout.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.face.FaceRegistry;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.Problems;
import io.runstream.fanout.FanoutProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds how many SSE streams a node opens at once (issue #15): opening a stream (token, run row,
 * backlog) is the expensive part of a reconnect storm, so at most {@code max-opening-streams} open
 * together and at most {@code max-waiting-streams} wait for their turn, each for at most {@code
 * open-wait}; beyond that the answer is 503 with {@code Retry-After} (in the face's dialect; one to
 * three times the streams' {@code retry:}, at random, so that refused clients do not all come back
 * at once), which the Runstream transport and fetch-based SSE clients retry. A stream stops
 * counting once its opening is written (streams being read are bounded per user instead), so live
 * streams are never affected. Applies to the SSE GETs of every registered face ({@link
 * FaceRegistry#streamPaths()}); it runs before authentication, so that a storm is shed before
 * tokens are verified.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class StreamAdmission extends OncePerRequestFilter {
  private static final ThreadLocal<Semaphore> HELD = new ThreadLocal<>();

  /** The SSE GETs of every registered face: those the sign-in cookie may authenticate. */
  private final List<RequestMatcher> streams;

  private final FanoutProperties properties;
  private final Problems problems;
  private final Semaphore opening;
  private final AtomicInteger waiting = new AtomicInteger();
  private final Counter refused;

  public StreamAdmission(
      FanoutProperties properties, Problems problems, MeterRegistry meters, FaceRegistry faces) {
    this.streams =
        faces.streamPaths().stream()
            .map(
                path ->
                    (RequestMatcher)
                        PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.GET, path))
            .toList();
    this.properties = properties;
    this.problems = problems;
    this.opening = new Semaphore(properties.maxOpeningStreams(), true);
    this.refused =
        Counter.builder("runstream.fanout.streams.refused")
            .description("stream openings answered 503 because too many were opening at once")
            .register(meters);
    Gauge.builder("runstream.fanout.streams.waiting", waiting, AtomicInteger::get)
        .description("stream openings waiting for their turn")
        .register(meters);
  }

  /**
   * Called once a stream's opening is written: from then on it does not count against the bound.
   */
  public static void opened() {
    Semaphore held = HELD.get();
    if (held != null) {
      HELD.remove();
      held.release();
    }
  }

  /**
   * Takes a seat among the opening streams for the current thread ({@link #opened} frees it),
   * waiting for one as the filter does; false when the opening is to be refused (too many waiting,
   * or no seat in time). For an opening served ahead of the servlets, in the same queue as the
   * filter's.
   */
  public boolean enter() {
    if (!admitted()) {
      return false;
    }
    HELD.set(opening);
    return true;
  }

  /** A seat taken at once, or after waiting in turn; false: refuse. */
  private boolean admitted() {
    if (opening.tryAcquire()) {
      return true;
    }
    if (waiting.incrementAndGet() > properties.maxWaitingStreams()) {
      waiting.decrementAndGet();
      return false;
    }
    try {
      return opening.tryAcquire(properties.openWait().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      waiting.decrementAndGet();
    }
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return streams.stream().noneMatch(matcher -> matcher.matches(request));
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (!admitted()) {
      refuse(request, response);
      return;
    }
    HELD.set(opening);
    try {
      chain.doFilter(request, response);
    } finally {
      opened();
    }
  }

  private void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
    refused.increment();
    // Spread over one to three times the streams' retry: refused clients that all came back after
    // the same delay
    // would be the same storm again.
    long base = Math.max(1, properties.retry().toSeconds());
    long seconds = base + ThreadLocalRandom.current().nextLong(2 * base + 1);
    problems.write(
        request,
        response,
        new ApiException(
            HttpStatus.SERVICE_UNAVAILABLE,
            "streams_busy",
            "Service Unavailable",
            "Too many streams are opening on this node right now; retry after "
                + seconds
                + " s with your Last-Event-ID.",
            Map.of("retryAfter", seconds),
            Map.of("Retry-After", Long.toString(seconds))));
  }
}
