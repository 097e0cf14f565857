package io.runstream.core.face;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ResponseEntity;

/**
 * How a face answers errors: an {@link ApiException} (status, stable code, detail, extra
 * properties, headers) becomes the face's own status and body. The canonical face answers
 * problem+json; a profile answers exactly what its seed document shows.
 */
public interface ErrorDialect {

  /** True if this dialect answers the request (by its path). */
  boolean answers(HttpServletRequest request);

  /** The answer to {@code e}, headers included. */
  ResponseEntity<Object> response(ApiException e);
}
