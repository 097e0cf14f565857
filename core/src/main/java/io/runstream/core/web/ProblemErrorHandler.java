package io.runstream.core.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The container's own errors (requests Jetty rejects before any servlet runs, such as an encoded
 * NUL or invalid UTF-8 in the path, a malformed request line or headers too large) as the canonical
 * problem+json instead of Jetty's HTML page. Errors raised inside the application answer through
 * {@code Problems} in the face's own dialect, as before.
 *
 * <p>Every such answer says {@code Connection: close}: Jetty closes the connection after it (the
 * request was not understood, so its body cannot be read past), and a client told nothing would put
 * the connection back in its pool and send its next request into the close. The JDK's client then
 * fails a POST with "header parser received no bytes" (it retries only idempotent requests); the
 * suite's malformed-request table met exactly that after an encoded NUL in a POST's path.
 */
public class ProblemErrorHandler extends ErrorHandler {
  private static final String PROBLEM_JSON = "application/problem+json";

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback)
      throws IOException {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, PROBLEM_JSON);
    response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    response.write(true, ByteBuffer.wrap(body(code)), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, PROBLEM_JSON);
    fields.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    return ByteBuffer.wrap(body(status));
  }

  /** The problem for {@code status}: its reason, never the container's message or a cause. */
  static byte[] body(int status) {
    String reason =
        switch (status) {
          case 400 -> "Bad Request";
          case 404 -> "Not Found";
          case 405 -> "Method Not Allowed";
          case 408 -> "Request Timeout";
          case 413 -> "Content Too Large";
          case 414 -> "URI Too Long";
          case 431 -> "Request Header Fields Too Large";
          case 503 -> "Service Unavailable";
          case 505 -> "HTTP Version Not Supported";
          default -> status >= 500 ? "Internal Server Error" : "Bad Request";
        };
    String code = reason.toLowerCase(Locale.ROOT).replace(' ', '_');
    String detail =
        status >= 500 && status != 505
            ? "Something went wrong on our side."
            : "The request was rejected: " + reason + ".";
    return ("{\"type\":\"https://runstream.dev/problems/"
            + code
            + "\",\"title\":\""
            + reason
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + detail
            + "\",\"code\":\""
            + code
            + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
