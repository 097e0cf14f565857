package io.runstream.core.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads what is left of a request's body after an error answer that did not read it (a 413 by its
 * Content-Length, a 401 or 400 before the body was parsed), up to {@link #MAX_DRAIN} bytes, before
 * the answer completes. Jetty closes a connection whose request body was not read, and a close with
 * unread bytes in the socket makes the kernel send a reset, which can reach the client before it
 * has read the answer: the client then sees a broken connection instead of the problem (Tomcat
 * swallowed up to 2 MiB for the same reason). Bodies larger than this are cut off as before.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class UnreadBodyDrain extends OncePerRequestFilter {
  /** Most bytes read and discarded after an error answer. */
  static final long MAX_DRAIN = 4L * 1024 * 1024;

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } finally {
      if (response.getStatus() >= 400
          && !request.isAsyncStarted()
          && (request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null)
          && request.getContentLengthLong() <= MAX_DRAIN) {
        drain(request);
      }
    }
  }

  private static void drain(HttpServletRequest request) {
    long left = MAX_DRAIN;
    try {
      InputStream in = request.getInputStream();
      byte[] buffer = new byte[8192];
      int n;
      while (left > 0 && (n = in.read(buffer)) > 0) {
        left -= n;
      }
    } catch (IllegalStateException e) {
      // the application read the body as characters
      try {
        Reader reader = request.getReader();
        char[] buffer = new char[8192];
        int n;
        while (left > 0 && (n = reader.read(buffer)) > 0) {
          left -= n;
        }
      } catch (IOException | IllegalStateException ignored) {
        // nothing more to read, or the client went away
      }
    } catch (IOException e) {
      // the client went away, or the body was cut off
    }
  }
}
