package io.runstream.core.problem;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.Locale;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised outside controllers (the container, filters) answer problem+json too, never a page.
 */
@RestController
public class ProblemErrorController implements ErrorController {
  private final Problems problems;

  public ProblemErrorController(Problems problems) {
    this.problems = problems;
  }

  @RequestMapping("/error")
  public ResponseEntity<Object> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status = HttpStatus.resolve(code instanceof Integer i ? i : 500);
    if (status == null) {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
    }
    Throwable error = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    while (error != null) {
      if (error instanceof BodyTooLargeException tooLarge) {
        return problems.respond(forwarded(request), tooLarge.problem());
      }
      error = error.getCause();
    }
    String slug = status.getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '_');
    String detail =
        status.is5xxServerError()
            ? "Something went wrong on our side."
            : status.getReasonPhrase() + ".";
    return problems.respond(
        forwarded(request), new ApiException(status, slug, status.getReasonPhrase(), detail));
  }

  /**
   * The request as it was before the container forwarded it to {@code /error}, so its face's
   * dialect answers.
   */
  private static HttpServletRequest forwarded(HttpServletRequest request) {
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    if (!(uri instanceof String original)) {
      return request;
    }
    return new HttpServletRequestWrapper(request) {
      @Override
      public String getRequestURI() {
        return original;
      }
    };
  }
}
