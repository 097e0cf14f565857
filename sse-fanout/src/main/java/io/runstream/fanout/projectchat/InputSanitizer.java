package io.runstream.fanout.projectchat;

import io.runstream.core.prompt.PromptMarkers;
import java.util.regex.Pattern;

/**
 * What project chat removes from user input before it reaches the model (seed 002: "sanitized
 * server-side to prevent XSS and prompt injection"), and nothing else:
 *
 * <ul>
 *   <li>markup: closed {@code <script>} and {@code <style>} elements with their content, closed
 *       HTML comments, and the tags of HTML elements ({@code <b>}, {@code <img onerror=...>},
 *       {@code </div>}; the text between tags stays; {@code List<String>} and {@code a < b} are not
 *       HTML and stay);
 *   <li>control characters other than line breaks and tabs;
 *   <li>prompt markers ({@link PromptMarkers}): chat-template tokens ({@code <|im_start|>}, any
 *       {@code <|...|>}), {@code [INST]}, {@code [/INST]}, {@code <<SYS>>}, {@code <</SYS>>},
 *       Runstream's own prompt blocks and the action-tag opener {@code [ACTION:}.
 * </ul>
 *
 * A bounded number of passes (removing one piece must not assemble another, {@code <scr<b>ipt>});
 * what adversarial nesting is left after them loses its angle brackets. Documents ({@code
 * existing_documents}) keep their markup (they are the project's own Markdown) and lose the
 * markers.
 */
final class InputSanitizer {
  private static final String ELEMENTS =
      "a|abbr|area|article|aside|audio|b|base|bdi|bdo|blockquote|body|br|button|canvas|caption|center|cite|code|col|"
          + "colgroup|data|datalist|dd|del|details|dfn|dialog|div|dl|dt|em|embed|fieldset|figcaption|figure|font|footer|"
          + "form|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|kbd|label|legend|li|link|main|map|"
          + "mark|marquee|math|menu|meta|meter|nav|noscript|object|ol|optgroup|option|output|p|param|picture|pre|"
          + "progress|q|s|samp|script|section|select|small|source|span|strong|style|sub|summary|sup|svg|table|tbody|td|"
          + "template|textarea|tfoot|th|thead|time|title|tr|track|u|ul|var|video|wbr";
  private static final Pattern ACTIVE_ELEMENTS =
      Pattern.compile("(?is)<(script|style)\\b[^>]*>.*?</\\1\\s*>");
  private static final Pattern COMMENTS = Pattern.compile("(?s)<!--.*?-->");
  private static final Pattern TAGS = Pattern.compile("(?i)</?(" + ELEMENTS + ")(\\s[^<>]*)?/?>");
  private static final Pattern CONTROLS = Pattern.compile("[\\p{Cc}&&[^\\n\\t]]");
  private static final int PASSES = 4;

  private InputSanitizer() {}

  /** A user's text: markup, control characters and markers removed. */
  static String text(String input) {
    String text = input.replace("\r\n", "\n").replace('\r', '\n');
    for (int pass = 0; pass < PASSES; pass++) {
      String next = once(text);
      if (next.equals(text)) {
        return next;
      }
      text = next;
    }
    String last = once(text);
    return last.equals(text)
        ? last
        : TAGS.matcher(last).replaceAll(m -> m.group().replace('<', '‹').replace('>', '›'));
  }

  private static String once(String input) {
    // Markers first: <<SYS>> is not a tag to strip down to "<>".
    String text = PromptMarkers.strip(input);
    text = ACTIVE_ELEMENTS.matcher(text).replaceAll("");
    text = COMMENTS.matcher(text).replaceAll("");
    text = TAGS.matcher(text).replaceAll("");
    return CONTROLS.matcher(text).replaceAll("");
  }

  /** A document: markers removed. */
  static String markers(String input) {
    return PromptMarkers.strip(input);
  }
}
