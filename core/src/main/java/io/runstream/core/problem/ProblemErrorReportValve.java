package io.runstream.core.problem;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * The container's own error report (requests Tomcat rejects before any servlet runs, such as an
 * encoded NUL or invalid UTF-8 in the path) as problem+json instead of an HTML page.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
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
          default -> status >= 500 ? "Internal Server Error" : "Bad Request";
        };
    String code = reason.toLowerCase(java.util.Locale.ROOT).replace(' ', '_');
    String detail =
        status >= 500
            ? "Something went wrong on our side."
            : "The request was rejected: " + reason + ".";
    String body =
        "{\"type\":\"https://runstream.dev/problems/"
            + code
            + "\",\"title\":\""
            + reason
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + detail
            + "\",\"code\":\""
            + code
            + "\"}";
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("UTF-8");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(body);
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // the client went away
    }
  }
}
