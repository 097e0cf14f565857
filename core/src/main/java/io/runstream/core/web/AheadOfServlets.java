package io.runstream.core.web;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A request handler that Jetty asks before the servlet context (ADR 0024): a bean of this type sees
 * every request first, on Jetty's own request and response, and either serves it (true; it then
 * completes {@code callback}, at once or later) or leaves it to the servlet context (false, having
 * written nothing), where Spring Security, Spring MVC and every servlet filter serve it as any
 * other request. For the few requests whose cost is the container's (a reconnect storm's stream
 * openings), not for features: whatever it serves must answer exactly as the regular way would.
 */
public interface AheadOfServlets {
  /** Serves {@code request} (true) or leaves it to the servlet context (false). */
  boolean handle(Request request, Response response, Callback callback) throws Exception;
}
