package io.runstream.core.problem;

import io.runstream.core.failure.Failures;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.TransactionException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Maps every exception a controller can throw to canonical problem+json; unknown ones to a bare
 * 500.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class ProblemAdvice {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemAdvice.class);

  private final Problems problems;

  public ProblemAdvice(Problems problems) {
    this.problems = problems;
  }

  @ExceptionHandler(ApiException.class)
  public ResponseEntity<Object> api(
      ApiException e, HttpServletRequest request, HttpServletResponse response) {
    if (!answerable(response)) {
      return null;
    }
    return problems.respond(request, e);
  }

  /**
   * Whether a problem can still be answered. An SSE stream that failed after its first bytes (a
   * database timeout while it catches up from the chunk log, measured under overload) cannot take
   * one: it just ends, and the client resumes with its last id. One that set its headers but sent
   * nothing yet answers the problem, not as an event stream (which no converter can write: it used
   * to end in a second failure inside this advice).
   */
  public static boolean answerable(HttpServletResponse response) {
    if (response == null) {
      return true;
    }
    if (response.isCommitted()) {
      return false;
    }
    String type = response.getContentType();
    if (type != null && type.startsWith("text/event-stream")) {
      response.resetBuffer();
      response.setContentType(null);
      response.setHeader("Content-Type", null);
    }
    return true;
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  public ResponseEntity<Object> unreadable(
      HttpMessageNotReadableException e, HttpServletRequest request) {
    if (e.getCause() instanceof BodyTooLargeException tooLarge) {
      return problems.respond(request, tooLarge.problem());
    }
    return problems.respond(
        request,
        new ApiException(
            HttpStatus.BAD_REQUEST,
            "malformed_json",
            "Bad Request",
            "The request body is not valid JSON of the expected shape."));
  }

  @ExceptionHandler(BodyTooLargeException.class)
  public ResponseEntity<Object> tooLarge(BodyTooLargeException e, HttpServletRequest request) {
    return problems.respond(request, e.problem());
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  public ResponseEntity<Object> mediaType(
      HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
    return problems.respond(
        request,
        new ApiException(
            HttpStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported Media Type",
            "Send application/json."));
  }

  @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
  public ResponseEntity<Object> notAcceptable(
      HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
    return problems.respond(
        request,
        new ApiException(
            HttpStatus.NOT_ACCEPTABLE,
            "not_acceptable",
            "Not Acceptable",
            "Accept application/json."));
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  public ResponseEntity<Object> method(
      HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
    return problems.respond(
        request,
        new ApiException(
            HttpStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method Not Allowed",
            "Method " + e.getMethod() + " is not allowed here.",
            Map.of(),
            e.getSupportedHttpMethods() == null
                ? Map.of()
                : Map.of(
                    "Allow",
                    String.join(
                        ", ",
                        e.getSupportedHttpMethods().stream().map(Object::toString).toList()))));
  }

  @ExceptionHandler({
    MethodArgumentTypeMismatchException.class,
    MissingServletRequestParameterException.class
  })
  public ResponseEntity<Object> badParameter(Exception e, HttpServletRequest request) {
    String name =
        e instanceof MethodArgumentTypeMismatchException m
            ? m.getName()
            : ((MissingServletRequestParameterException) e).getParameterName();
    return problems.respond(
        request, ApiException.invalid(name, "missing or not of the expected type"));
  }

  @ExceptionHandler({NoResourceFoundException.class, NoHandlerFoundException.class})
  public ResponseEntity<Object> noResource(Exception e, HttpServletRequest request) {
    return problems.respond(
        request,
        new ApiException(HttpStatus.NOT_FOUND, "not_found", "Not Found", "No such resource."));
  }

  @ExceptionHandler(AsyncRequestNotUsableException.class)
  public void clientGone(AsyncRequestNotUsableException e) {
    // The client went away; nothing to answer.
  }

  @ExceptionHandler({DataAccessException.class, TransactionException.class})
  public ResponseEntity<Object> databaseUnavailable(
      Exception e, HttpServletRequest request, HttpServletResponse response) {
    return answer(e, request, response);
  }

  @ExceptionHandler(Exception.class)
  public ResponseEntity<Object> unexpected(
      Exception e, HttpServletRequest request, HttpServletResponse response) {
    return answer(e, request, response);
  }

  /** {@link #problem}'s answer, unless the response can no longer take one. */
  private ResponseEntity<Object> answer(
      Exception e, HttpServletRequest request, HttpServletResponse response) {
    ApiException problem = problem(e, request);
    return answerable(response) ? problems.respond(request, problem) : null;
  }

  /**
   * What an exception no handler above answers means to the client, logged: a database that is
   * unavailable for a moment (a retriable failure) is 503 {@code database_unavailable} with {@code
   * Retry-After}, anything else 500 {@code internal_error} (and its stack trace in the log, never
   * in the answer). Also for the filters that answer without the MVC dispatch.
   */
  public static ApiException problem(Exception e, HttpServletRequest request) {
    if ((e instanceof DataAccessException || e instanceof TransactionException)
        && Failures.retriable(e)) {
      LOG.warn(
          "Database unavailable on {} {}: {}",
          request.getMethod(),
          request.getRequestURI(),
          e.getMessage());
      return new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "database_unavailable",
          "Service Unavailable",
          "The database is unavailable for a moment; nothing was changed. Try again.",
          Map.of("retryable", true),
          Map.of("Retry-After", "2"));
    }
    LOG.error("Unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
    return new ApiException(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "internal_error",
        "Internal Server Error",
        "Something went wrong on our side.");
  }
}
