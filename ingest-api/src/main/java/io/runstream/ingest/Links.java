package io.runstream.ingest;

import io.runstream.admission.AdmissionProperties;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** The absolute URLs in answers: from the configured public base URL, else from the request. */
@Component
public class Links {
  private final AdmissionProperties properties;

  public Links(AdmissionProperties properties) {
    this.properties = properties;
  }

  /** The base, without a trailing slash. */
  public String base() {
    String configured = properties.publicBaseUrl();
    if (configured != null && !configured.isBlank()) {
      return configured.endsWith("/")
          ? configured.substring(0, configured.length() - 1)
          : configured;
    }
    return ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
  }

  public String session(UUID id) {
    return base() + "/api/v1/sessions/" + id;
  }

  public String sessionStream(UUID id) {
    return session(id) + "/stream";
  }

  public String messages(UUID sessionId) {
    return session(sessionId) + "/messages";
  }

  public String message(UUID sessionId, UUID messageId) {
    return messages(sessionId) + "/" + messageId;
  }

  public String feedback(UUID sessionId, UUID messageId) {
    return message(sessionId, messageId) + "/feedback";
  }

  public String run(UUID id) {
    return base() + "/api/v1/runs/" + id;
  }

  public String runStream(UUID id) {
    return run(id) + "/stream";
  }
}
