package io.runstream.core.problem;

import io.runstream.core.face.ErrorDialect;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers errors in the dialect of the face a request belongs to: the first {@link ErrorDialect}
 * that answers the request's path, else the canonical problem+json {@code {type, title, status,
 * detail, code, ...}}. Controllers' exceptions, filters, security entry points and container errors
 * all answer through here.
 */
@Component
public class Problems {
  /** The media type of every canonical error. */
  public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

  private final JsonMapper mapper;
  private final List<ErrorDialect> dialects;

  public Problems(JsonMapper mapper, List<ErrorDialect> dialects) {
    this.mapper = mapper;
    this.dialects = List.copyOf(dialects);
  }

  /** The answer to {@code e} in the dialect of the face {@code request} belongs to. */
  public ResponseEntity<Object> respond(HttpServletRequest request, ApiException e) {
    for (ErrorDialect dialect : dialects) {
      if (request != null && dialect.answers(request)) {
        return dialect.response(e);
      }
    }
    return response(e);
  }

  /**
   * Writes {@code e} straight to a servlet response (filters, entry points) in the request's
   * dialect, unless the response is already committed.
   */
  public void write(HttpServletRequest request, HttpServletResponse response, ApiException e)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    ResponseEntity<Object> answer = respond(request, e);
    response.resetBuffer();
    response.setStatus(answer.getStatusCode().value());
    answer
        .getHeaders()
        .forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
    response.setCharacterEncoding("UTF-8");
    response.getOutputStream().write(mapper.writeValueAsBytes(answer.getBody()));
    response.flushBuffer();
  }

  /** The body of a problem. */
  public static Map<String, Object> body(
      HttpStatus status, String code, String title, String detail, Map<String, Object> properties) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "https://runstream.dev/problems/" + code);
    body.put("title", title);
    body.put("status", status.value());
    body.put("detail", detail);
    body.put("code", code);
    body.putAll(properties);
    return body;
  }

  /** The response of an {@link ApiException}. */
  public static ResponseEntity<Object> response(ApiException e) {
    HttpHeaders headers = new HttpHeaders();
    e.headers().forEach(headers::set);
    headers.setContentType(PROBLEM_JSON);
    return ResponseEntity.status(e.status())
        .headers(headers)
        .body(body(e.status(), e.code(), e.title(), e.getMessage(), e.properties()));
  }
}
