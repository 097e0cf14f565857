package io.runstream.ingest.sessions;

import io.runstream.core.store.MessageRow;
import io.runstream.core.store.SessionRow;
import io.runstream.core.time.Timestamps;
import io.runstream.ingest.Links;
import io.runstream.schemas.EventJson;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** The JSON shapes of sessions and messages, field names exactly as docs/faces/canonical.md. */
@Component
public class SessionViews {
  private final Links links;

  public SessionViews(Links links) {
    this.links = links;
  }

  /**
   * {@code {uuid, url, title, user:{uuid,name}, messages_url, metadata, created_at, updated_at}}.
   */
  public Map<String, Object> session(SessionRow s) {
    Map<String, Object> user = new LinkedHashMap<>();
    user.put("uuid", s.userPublicId());
    user.put("name", s.userName());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("uuid", s.id());
    body.put("url", links.session(s.id()));
    body.put("title", s.title());
    body.put("user", user);
    body.put("stream_url", links.sessionStream(s.id()));
    body.put("messages_url", links.messages(s.id()));
    body.put("metadata", json(s.metadataJson()));
    body.put("created_at", Timestamps.format(s.createdAt()));
    body.put("updated_at", Timestamps.format(s.updatedAt()));
    return body;
  }

  /** A transcript message. */
  public Map<String, Object> message(MessageRow m) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("uuid", m.id());
    body.put("url", links.message(m.sessionId(), m.id()));
    body.put("session_uuid", m.sessionId());
    body.put("feedback_url", links.feedback(m.sessionId(), m.id()));
    body.put("feedback", feedback(m));
    body.put("sender_role", m.senderRole());
    body.put("text", m.text());
    body.put("status", m.status());
    body.put("temperature", m.temperature());
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("provider", m.modelProvider());
    model.put("model_id", m.modelId());
    body.put("model", model);
    if (m.inputTokens() != null || m.outputTokens() != null) {
      Map<String, Object> usage = new LinkedHashMap<>();
      usage.put("input_tokens", m.inputTokens() == null ? 0 : m.inputTokens());
      usage.put("output_tokens", m.outputTokens() == null ? 0 : m.outputTokens());
      body.put("usage", usage);
    } else {
      body.put("usage", null);
    }
    body.put("metadata", json(m.metadataJson()));
    body.put("created_at", Timestamps.format(m.createdAt()));
    return body;
  }

  private static Map<String, Object> feedback(MessageRow m) {
    if (m.feedbackRating() == null) {
      return null;
    }
    Map<String, Object> feedback = new LinkedHashMap<>();
    feedback.put("rating", m.feedbackRating());
    feedback.put("body", m.feedbackBody());
    feedback.put("created_at", Timestamps.format(m.feedbackCreatedAt()));
    return feedback;
  }

  static JsonNode json(String text) {
    return EventJson.MAPPER.readTree(text == null ? "{}" : text);
  }
}
