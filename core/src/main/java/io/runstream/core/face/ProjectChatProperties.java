package io.runstream.core.face;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The project-chat face's settings ({@code runstream.project-chat.*}).
 *
 * @param apiKey when set, every request of the face needs {@code X-API-Key} equal to it and is
 *     authenticated by it alone (403 otherwise); when empty, the bearer JWT as on every face
 * @param organisation the organisation (its {@code org} name) the API key acts for
 * @param subject the user the API key acts as
 * @param maxMessageLength longest {@code message}, inclusive ({@code CHAT_MAX_MESSAGE_LENGTH},
 *     20,000)
 * @param maxHistoryMessages most {@code history} entries ({@code CHAT_MAX_HISTORY_MESSAGES}, 100)
 */
@ConfigurationProperties("runstream.project-chat")
public record ProjectChatProperties(
    @DefaultValue("") String apiKey,
    @DefaultValue("default") String organisation,
    @DefaultValue("project-chat-api-key") String subject,
    @DefaultValue("20000") int maxMessageLength,
    @DefaultValue("100") int maxHistoryMessages) {

  /** True when the face is authenticated by the API key. */
  public boolean keyed() {
    return apiKey != null && !apiKey.isBlank();
  }
}
