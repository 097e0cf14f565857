package io.runstream.core.log;

/**
 * Text from outside (file names, titles, tool names, model ids, providers' and clients' error
 * texts) made safe for a log line: line breaks and other control characters are escaped ({@code
 * \n}, {@code \r}, {@code \t}, {@code \u2028}, ...), so the text cannot end the line and forge the
 * next one, move a terminal's cursor or reorder what is shown (bidirectional overrides); it is cut
 * at {@value #MAX_CHARS} characters. {@link SafeMessageConverter} applies it to every argument of
 * every log line of the text formats.
 */
public final class LogSafe {
  /** Most characters of one value in a log line. */
  public static final int MAX_CHARS = 4000;

  private LogSafe() {}

  /** The text escaped and cut; null stays null. */
  public static String text(String text) {
    if (text == null) {
      return null;
    }
    int length = Math.min(text.length(), MAX_CHARS);
    int i = 0;
    while (i < length && !unsafe(text.charAt(i))) {
      i++;
    }
    if (i == length && text.length() <= MAX_CHARS) {
      return text;
    }
    StringBuilder safe = new StringBuilder(length + 16).append(text, 0, i);
    for (; i < length; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> safe.append("\\n");
        case '\r' -> safe.append("\\r");
        case '\t' -> safe.append("\\t");
        default -> {
          if (unsafe(c)) {
            safe.append(String.format("\\u%04x", (int) c));
          } else {
            safe.append(c);
          }
        }
      }
    }
    if (text.length() > MAX_CHARS) {
      safe.append("...(").append(text.length() - MAX_CHARS).append(" more characters)");
    }
    return safe.toString();
  }

  /** Whether the text needs escaping or cutting. */
  public static boolean needed(String text) {
    if (text == null) {
      return false;
    }
    if (text.length() > MAX_CHARS) {
      return true;
    }
    for (int i = 0; i < text.length(); i++) {
      if (unsafe(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** Control characters (C0, DEL, C1), line and paragraph separators, bidirectional controls. */
  private static boolean unsafe(char c) {
    return c < 0x20
        || c >= 0x7f && c <= 0x9f
        || c == '\u2028'
        || c == '\u2029'
        || c >= '\u202a' && c <= '\u202e'
        || c >= '\u2066' && c <= '\u2069'
        || c == '\u200e'
        || c == '\u200f'
        || c == '\u061c';
  }
}
