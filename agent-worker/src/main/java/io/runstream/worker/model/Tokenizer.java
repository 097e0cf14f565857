package io.runstream.worker.model;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.runstream.schemas.RunRequested;
import java.util.List;
import org.springframework.stereotype.Component;

/** Counts tokens with a real BPE tokenizer (jtokkit, o200k_base). */
@Component
public class Tokenizer {
  /** Tokens a chat format adds around each message. */
  private static final int PER_MESSAGE_OVERHEAD = 3;

  private final Encoding encoding =
      Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  /** Tokens in the text. */
  public int count(String text) {
    return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
  }

  /**
   * Tokens of the whole prompt: instructions, history and the message, with per-message overhead.
   */
  public int prompt(String instructions, List<RunRequested.HistoryEntry> history, String input) {
    int total = 0;
    if (instructions != null && !instructions.isEmpty()) {
      total += count(instructions) + PER_MESSAGE_OVERHEAD;
    }
    for (RunRequested.HistoryEntry entry : history) {
      total += count(entry.content()) + PER_MESSAGE_OVERHEAD;
    }
    return total + count(input) + PER_MESSAGE_OVERHEAD;
  }
}
