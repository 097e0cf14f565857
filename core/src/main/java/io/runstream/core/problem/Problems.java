package io.runstream.core.problem;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Builds and writes canonical problem+json bodies: {@code {type, title, status, detail, code, ...}}. */
@Component
public class Problems {
  /** The media type of every canonical error. */
  public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

  private final JsonMapper mapper;

  public Problems(JsonMapper mapper) {
    this.mapper = mapper;
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

  /** Writes a problem straight to a servlet response (filters, entry points), unless it is already committed. */
  public void write(HttpServletResponse response, ApiException e) throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.resetBuffer();
    response.setStatus(e.status().value());
    e.headers().forEach(response::setHeader);
    response.setContentType(PROBLEM_JSON.toString());
    response.setCharacterEncoding("UTF-8");
    response
        .getOutputStream()
        .write(mapper.writeValueAsBytes(body(e.status(), e.code(), e.title(), e.getMessage(), e.properties())));
    response.flushBuffer();
  }
}
