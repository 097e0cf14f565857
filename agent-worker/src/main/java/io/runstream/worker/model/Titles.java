package io.runstream.worker.model;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Deterministic short titles: the gist of the first message, e.g. "Generate 5 random cat names" →
 * "5 random cat names".
 */
public final class Titles {
  private static final int MAX_WORDS = 6;
  private static final int MAX_CHARS = 80;
  private static final Pattern FILLER =
      Pattern.compile(
          "^(please |hey |hi |ok |so )*(can you |could you |would you |will you |i want you to |i need you to |help me )?"
              + "(please )?(generate|give me|tell me|write|create|list|explain|show me|make|find|describe|summarise|"
              + "summarize|draft|suggest)?\\s*",
          Pattern.CASE_INSENSITIVE);

  private Titles() {}

  /** The title of a conversation that starts with this message. */
  public static String fromMessage(String message) {
    String text = message == null ? "" : message.strip().replaceAll("\\s+", " ");
    String trimmed = FILLER.matcher(text).replaceFirst("");
    if (trimmed.isBlank()) {
      trimmed = text;
    }
    String[] words = trimmed.split(" ");
    StringBuilder title = new StringBuilder();
    for (int i = 0; i < Math.min(MAX_WORDS, words.length); i++) {
      title.append(i == 0 ? "" : " ").append(words[i]);
    }
    String result = title.toString().replaceAll("[\\p{Punct}&&[^'%$#&+-]]+$", "").strip();
    if (result.length() > MAX_CHARS) {
      result = result.substring(0, MAX_CHARS).strip();
    }
    if (result.isEmpty()) {
      return "New conversation";
    }
    return result.substring(0, 1).toUpperCase(Locale.ROOT) + result.substring(1);
  }
}
