package io.runstream.core.prompt;

import java.util.regex.Pattern;

/**
 * The markers a prompt is built with (Runstream's own blocks, the action-tag opener) and the
 * chat-template tokens of common models: text from users and from their documents may not contain
 * them, so that it can neither pose as a context block (an identity, a document) nor trigger an
 * action, nor end a turn of the model's template.
 */
public final class PromptMarkers {
  private static final Pattern MARKERS =
      Pattern.compile(
          "<\\|[^|<>\\s]{1,40}\\|>|\\[/?INST\\]|<</?SYS>>"
              + "|\\[/?(SECURE_CONTEXT|USER_CONTEXT|REQUEST_CONTEXT|PROJECT_KNOWLEDGE)\\]"
              + "|\\[DOCUMENT name=\"[^\"\\]\\n]{0,500}\"\\]|\\[/DOCUMENT\\]|\\[ACTION:");

  /**
   * Removing a marker can join two halves into another; a few passes undo any such nesting a person
   * would write.
   */
  private static final int PASSES = 4;

  private PromptMarkers() {}

  /** The text without markers. */
  public static String strip(String text) {
    String result = text;
    for (int pass = 0; pass < PASSES; pass++) {
      String next = MARKERS.matcher(result).replaceAll("");
      if (next.equals(result)) {
        return next;
      }
      result = next;
    }
    // Adversarial nesting beyond that: break what is left of any marker's brackets.
    return MARKERS
        .matcher(result)
        .replaceAll("")
        .replace("[ACTION", "(ACTION")
        .replace("<|", "< |");
  }
}
