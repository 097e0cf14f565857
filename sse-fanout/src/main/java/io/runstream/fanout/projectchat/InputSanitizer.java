package io.runstream.fanout.projectchat;

import java.util.regex.Pattern;

/**
 * What project chat removes from user input before it reaches the model (seed 002: "sanitized server-side to prevent
 * XSS and prompt injection"), and nothing else:
 * <ul>
 *   <li>markup: {@code <script>} and {@code <style>} elements with their content, HTML comments, and every other tag
 *       ({@code <b>}, {@code <img onerror=...>}, {@code </div>}; the text between tags stays);
 *   <li>control characters other than line breaks and tabs;
 *   <li>prompt-injection markers: chat-template tokens ({@code <|im_start|>}, {@code <|endoftext|>}, any
 *       {@code <|...|>}), Llama's {@code [INST]}, {@code [/INST]}, {@code <<SYS>>}, {@code <</SYS>>}, and Runstream's
 *       own prompt blocks ({@code [SECURE_CONTEXT]}, {@code [USER_CONTEXT]}, {@code [REQUEST_CONTEXT]},
 *       {@code [PROJECT_KNOWLEDGE]}, {@code [DOCUMENT ...]}, each with its closing form) and the action-tag opener
 *       {@code [ACTION:}, so that input can neither pose as context nor trigger an action.
 * </ul>
 * Documents ({@code existing_documents}) keep their markup (they are the project's own Markdown) and lose the markers.
 */
final class InputSanitizer {
  private static final Pattern ACTIVE_ELEMENTS =
      Pattern.compile("(?is)<(script|style)\\b[^>]*>.*?(</\\1\\s*>|$)");
  private static final Pattern COMMENTS = Pattern.compile("(?s)<!--.*?(-->|$)");
  private static final Pattern TAGS = Pattern.compile("</?[A-Za-z][A-Za-z0-9:-]*(\\s[^<>]*)?/?>");
  private static final Pattern CONTROLS = Pattern.compile("[\\p{Cc}&&[^\\n\\t]]");
  private static final Pattern MARKERS = Pattern.compile(
      "(?i)<\\|[^|<>]{1,40}\\|>|\\[/?INST\\]|<</?SYS>>"
          + "|\\[/?(SECURE_CONTEXT|USER_CONTEXT|REQUEST_CONTEXT|PROJECT_KNOWLEDGE)\\]|\\[/?DOCUMENT[^\\]]{0,200}\\]"
          + "|\\[ACTION:");

  private InputSanitizer() {}

  /** A user's text: markup, control characters and markers removed. */
  static String text(String input) {
    String text = input.replace("\r\n", "\n").replace('\r', '\n');
    String before;
    do {
      // Again until nothing changes: removing one piece must not assemble another ("<scr<b>ipt>").
      before = text;
      // Markers first: <<SYS>> is not a tag to strip down to "<>".
      text = markers(text);
      text = ACTIVE_ELEMENTS.matcher(text).replaceAll("");
      text = COMMENTS.matcher(text).replaceAll("");
      text = TAGS.matcher(text).replaceAll("");
      text = CONTROLS.matcher(text).replaceAll("");
    } while (!text.equals(before));
    return text;
  }

  /** A document: markers removed (until none is left, so that removing one cannot make another). */
  static String markers(String input) {
    String text = input;
    String before;
    do {
      before = text;
      text = MARKERS.matcher(text).replaceAll("");
    } while (!text.equals(before));
    return text;
  }
}
