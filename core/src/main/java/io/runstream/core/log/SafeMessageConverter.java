package io.runstream.core.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.UUID;
import org.slf4j.helpers.MessageFormatter;

/**
 * The log line's message ({@code %m}, {@code %msg}, {@code %message} in the text formats) with its
 * arguments made safe by {@link LogSafe}: a file name, a title or an error text with a line break
 * in it cannot forge a log line. The message's own text (the format, written in the code) is kept
 * as it is, so messages meant to span lines (the start-up banner) still do. The JSON format needs
 * none of it: it escapes every value.
 */
public class SafeMessageConverter extends ClassicConverter {
  @Override
  public String convert(ILoggingEvent event) {
    Object[] arguments = event.getArgumentArray();
    if (arguments == null || arguments.length == 0) {
      return event.getFormattedMessage();
    }
    Object[] safe = new Object[arguments.length];
    boolean changed = false;
    for (int i = 0; i < arguments.length; i++) {
      Object argument = arguments[i];
      if (argument == null
          || argument instanceof Number
          || argument instanceof Boolean
          || argument instanceof UUID
          || argument instanceof Enum<?>) {
        safe[i] = argument;
        continue;
      }
      String text = text(argument);
      if (LogSafe.needed(text)) {
        safe[i] = LogSafe.text(text);
        changed = true;
      } else {
        safe[i] = argument;
      }
    }
    return changed
        ? MessageFormatter.basicArrayFormat(event.getMessage(), safe)
        : event.getFormattedMessage();
  }

  /** The argument as the message formatter writes it. */
  private static String text(Object argument) {
    try {
      return argument.getClass().isArray()
          ? MessageFormatter.basicArrayFormat("{}", new Object[] {argument})
          : argument.toString();
    } catch (RuntimeException e) {
      return "[FAILED toString()]";
    }
  }
}
