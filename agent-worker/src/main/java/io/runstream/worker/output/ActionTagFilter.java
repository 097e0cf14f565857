package io.runstream.worker.output;

/**
 * Cuts {@code [ACTION:slug:{json}]} tags out of a model's streamed text (seed 000's action tags),
 * also when a tag is split across any number of deltas: text that might begin a tag is held back
 * until it either completes one (the tag goes to {@link Sink#action}, never to the text) or cannot
 * (it is released as text, unchanged). A slug is 1 to 64 of {@code [A-Za-z0-9_.-]}; the parameters
 * are one JSON object (braces inside strings are fine). Held text is bounded: a "tag" longer than
 * {@link #MAX_TAG} characters is text. Not thread-safe: one filter per step.
 */
public final class ActionTagFilter {
  /** The longest tag recognised. */
  public static final int MAX_TAG = 16 * 1024;

  private static final String PREFIX = "[ACTION:";
  private static final int MAX_SLUG = 64;

  /** Where the filtered output goes. */
  public interface Sink {
    /** Text that is not part of a tag. */
    void text(String text);

    /** A complete tag: its slug and its parameters' JSON text (a JSON object, not yet parsed). */
    void action(String slug, String params);
  }

  private enum State {
    OUTSIDE,
    PREFIX,
    SLUG,
    PARAMS,
    CLOSE
  }

  private final Sink sink;
  private final StringBuilder held = new StringBuilder();
  private final StringBuilder out = new StringBuilder();
  private State state = State.OUTSIDE;
  private int slugEnd;
  private int depth;
  private boolean inString;
  private boolean escaped;

  public ActionTagFilter(Sink sink) {
    this.sink = sink;
  }

  /** One delta of the model's text. */
  public void accept(String delta) {
    if (state == State.OUTSIDE && delta.indexOf('[') < 0) {
      if (!delta.isEmpty()) {
        sink.text(delta);
      }
      return;
    }
    for (int i = 0; i < delta.length(); i++) {
      feed(delta.charAt(i));
    }
    drain();
  }

  /** The end of the text: anything held back is text after all. */
  public void flush() {
    if (!held.isEmpty()) {
      String pending = held.toString();
      reset();
      out.append(pending.charAt(0));
      // The rest may still hold a complete tag.
      for (int i = 1; i < pending.length(); i++) {
        feed(pending.charAt(i));
      }
      if (!held.isEmpty()) {
        out.append(held);
        reset();
      }
    }
    drain();
  }

  private void feed(char c) {
    switch (state) {
      case OUTSIDE -> {
        if (c == '[') {
          held.append(c);
          state = State.PREFIX;
        } else {
          out.append(c);
        }
      }
      case PREFIX -> {
        held.append(c);
        if (c != PREFIX.charAt(held.length() - 1)) {
          release();
        } else if (held.length() == PREFIX.length()) {
          state = State.SLUG;
        }
      }
      case SLUG -> {
        held.append(c);
        int slugLength = held.length() - 1 - PREFIX.length();
        if (c == ':' && slugLength > 0) {
          slugEnd = held.length() - 1;
          state = State.PARAMS;
          depth = 0;
        } else if (!slugChar(c) || slugLength >= MAX_SLUG) {
          release();
        }
      }
      case PARAMS -> {
        held.append(c);
        if (depth == 0) {
          if (c == '{') {
            depth = 1;
          } else {
            release();
          }
        } else if (inString) {
          if (escaped) {
            escaped = false;
          } else if (c == '\\') {
            escaped = true;
          } else if (c == '"') {
            inString = false;
          }
        } else if (c == '"') {
          inString = true;
        } else if (c == '{') {
          depth++;
        } else if (c == '}' && --depth == 0) {
          state = State.CLOSE;
        }
        if (state == State.PARAMS && held.length() > MAX_TAG) {
          release();
        }
      }
      case CLOSE -> {
        held.append(c);
        if (c == ']') {
          String tag = held.toString();
          reset();
          drain();
          sink.action(
              tag.substring(PREFIX.length(), slugEnd),
              tag.substring(slugEnd + 1, tag.length() - 1));
        } else {
          release();
        }
      }
    }
  }

  /** The held text is not a tag: its first character is text, the rest is read again. */
  private void release() {
    String pending = held.toString();
    reset();
    out.append(pending.charAt(0));
    for (int i = 1; i < pending.length(); i++) {
      feed(pending.charAt(i));
    }
  }

  private void reset() {
    held.setLength(0);
    state = State.OUTSIDE;
    depth = 0;
    inString = false;
    escaped = false;
  }

  private void drain() {
    if (!out.isEmpty()) {
      String text = out.toString();
      out.setLength(0);
      sink.text(text);
    }
  }

  private static boolean slugChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_'
        || c == '.';
  }
}
