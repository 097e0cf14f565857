package io.runstream.worker.model;

import io.runstream.schemas.EventJson;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every provider adapter shares: tool arguments from the wire, tool results for the wire,
 * retry-after.
 */
public final class ProviderFailures {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderFailures.class);
  private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

  /** Longest provider text shown to a user. */
  static final int MAX_SHOWN = 500;

  /** What identifies the operator's account in providers' error texts, and what it is shown as. */
  private static final List<Object[]> ACCOUNT =
      List.of(
          // Endpoints (an Azure resource's host, a gateway's address) name the operator's
          // deployment.
          new Object[] {
            Pattern.compile("(?i)\\b(?:https?|wss?)://[^\\s\"'<>)\\]]*[^\\s\"'<>)\\].,;:!?]"),
            "[url]"
          },
          // API keys, whole or masked: sk-..., sk-proj-****abcd, sk-ant-api03-..., sk-...abcd, and
          // other providers' forms.
          new Object[] {
            Pattern.compile("\\b(?:sk|rk|pk)-(?:[A-Za-z0-9_*\\-]|\\.{2,3}|\u2026)+"), "[API key]"
          },
          new Object[] {
            Pattern.compile(
                "\\b(?:AIza[0-9A-Za-z_\\-]{10,}|gsk_[0-9A-Za-z*]{6,}|xai-[0-9A-Za-z*]{6,})"),
            "[API key]"
          },
          new Object[] {
            Pattern.compile("(?i)\\bBearer\\s+[A-Za-z0-9._~+/=*\\-]+"), "Bearer [API key]"
          },
          new Object[] {
            Pattern.compile(
                "(?i)\\b(api[_ -]?key|x-api-key|access[_ -]?token)(\\s*[:=]\\s*)['\"]?[A-Za-z0-9._*\\-]{8,}['\"]?"),
            "$1$2[API key]"
          },
          new Object[] {Pattern.compile("\\borg-[A-Za-z0-9]{6,}"), "[organization]"},
          new Object[] {Pattern.compile("\\bproj_[A-Za-z0-9]{6,}"), "[project]"},
          new Object[] {Pattern.compile("\\buser-[A-Za-z0-9]{10,}"), "[account user]"},
          new Object[] {
            Pattern.compile(
                "[A-Za-z0-9._%+\\-]+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,}"),
            "[email]"
          });

  private ProviderFailures() {}

  /**
   * A tool call's arguments as the model sent them (JSON text, possibly empty); text that is not a
   * JSON object is kept under {@code _invalid_arguments}, so the tool answers with an error the
   * model can read.
   */
  public static JsonNode arguments(String json) {
    if (json == null || json.isBlank()) {
      return EventJson.MAPPER.createObjectNode();
    }
    try {
      JsonNode node = EventJson.MAPPER.readTree(json);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (RuntimeException e) {
      // fall through
    }
    ObjectNode invalid = EventJson.MAPPER.createObjectNode();
    invalid.put("_invalid_arguments", json);
    return invalid;
  }

  /**
   * A failure whose message ends with the provider's own text ({@code shown + text}): the run's
   * {@code error} shows it without what identifies the operator's account (API keys, even masked;
   * organisation, project and account user ids; emails; URLs), cut at {@value #MAX_SHOWN}
   * characters; the log keeps it whole.
   */
  public static ModelFailure failure(
      String code, String shown, String providerText, boolean retryable, Duration retryAfter) {
    LOG.info("Model provider failure {}: {}", code, providerText);
    return new ModelFailure(code, shown + redacted(providerText), retryable, retryAfter);
  }

  /**
   * The connection to the provider failed: the user sees the kind of failure ({@code
   * ConnectException}, {@code UnknownHostException}, ...), not the provider's address; the log has
   * the whole of it.
   */
  public static ModelFailure connection(RuntimeException e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    LOG.info("Model provider connection failed: {}", cause.toString());
    return new ModelFailure(
        "provider_connection",
        "The connection to the model provider failed (" + cause.getClass().getSimpleName() + ").",
        true);
  }

  /** A provider's error text without the operator's account details (see {@link #failure}). */
  public static String redacted(String text) {
    if (text == null || text.isBlank()) {
      return "(no detail)";
    }
    String shown = text.strip();
    for (Object[] rule : ACCOUNT) {
      shown = ((Pattern) rule[0]).matcher(shown).replaceAll((String) rule[1]);
    }
    return shown.length() > MAX_SHOWN ? shown.substring(0, MAX_SHOWN) + "..." : shown;
  }

  /**
   * A stream that ended before the provider said why (the SDKs take a clean end of the body as the
   * end).
   */
  public static ModelFailure cut() {
    return new ModelFailure(
        "provider_stream_cut", "The model provider's stream ended before the answer did.", true);
  }

  /** A tool's outcome as the text a provider's tool-result message carries. */
  public static String resultText(LlmRequest.ToolOutcome outcome) {
    if (outcome.error() != null) {
      return EventJson.MAPPER.writeValueAsString(
          EventJson.MAPPER.createObjectNode().put("error", outcome.error()));
    }
    JsonNode output = outcome.output();
    if (output == null || output.isNull()) {
      return "null";
    }
    return output.isString() ? output.asString() : EventJson.MAPPER.writeValueAsString(output);
  }

  /**
   * The wait a provider asked for: {@code retry-after-ms}, else {@code Retry-After} in seconds
   * (capped at 30 s); null if it gave none that can be read.
   */
  public static Duration retryAfter(List<String> millis, List<String> seconds) {
    try {
      if (millis != null && !millis.isEmpty()) {
        return min(Duration.ofMillis((long) Double.parseDouble(millis.getFirst().strip())));
      }
      if (seconds != null && !seconds.isEmpty()) {
        return min(
            Duration.ofMillis((long) (Double.parseDouble(seconds.getFirst().strip()) * 1000)));
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }

  private static Duration min(Duration wait) {
    return wait.isNegative()
        ? Duration.ZERO
        : wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
  }
}
