package io.runstream.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The loop answers as Spring Security's default patterns do, for every kind of character. */
class FastFirewallTest {
  /** StrictHttpFirewall's defaults (Spring Security 7.1). */
  private static final Pattern NAMES = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");

  private static final Pattern VALUES =
      Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

  @Test
  void shouldAnswerAsTheDefaultPatternsForEveryCharacterAndMixedStrings() {
    List<String> samples = new ArrayList<>();
    for (int codePoint = 0; codePoint <= 0x10FFFF; codePoint += codePoint < 0x3000 ? 1 : 97) {
      samples.add(new String(Character.toChars(codePoint)));
    }
    // Lone surrogates, both halves, and the usual suspects.
    samples.addAll(
        List.of(
            "",
            "\uD800",
            "\uDC00",
            "a\uD83D",
            "\uD83D\uDE00",
            "Bearer eyJ.abc-_~+/=",
            "a\tb",
            "a\nb",
            "a\rb",
            "a\u0000b",
            "\u007f",
            "\u0085",
            "\u00a0",
            "\u2028",
            "\uFFFF",
            "\uFFFE",
            "\u0378",
            "x\u200Bx"));
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder mixed = new StringBuilder();
      int length = random.nextInt(12);
      for (int j = 0; j < length; j++) {
        mixed.append(
            random.nextInt(3) == 0
                ? (char) random.nextInt(0x10000)
                : (char) (0x20 + random.nextInt(0x5f)));
      }
      samples.add(mixed.toString());
    }
    for (String sample : samples) {
      assertThat(FastFirewall.NAMES.test(sample))
          .as("name %s", sample.codePoints().boxed().toList())
          .isEqualTo(NAMES.matcher(sample).matches());
      assertThat(FastFirewall.HEADER_VALUES.test(sample))
          .as("value %s", sample.codePoints().boxed().toList())
          .isEqualTo(VALUES.matcher(sample).matches());
    }
  }
}
