package io.runstream.fanout.sse;

import java.nio.charset.StandardCharsets;

/**
 * SSE framing, in one place for every face: events ({@code id:}, {@code event:}, {@code data:}),
 * the stream's opening ({@code : ok} and {@code retry:}) and keep-alive comments.
 */
public final class SseFrames {
  /** The keep-alive comment sent after a heartbeat of silence. */
  public static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

  /** Nothing: a chunk a face does not show. */
  public static final byte[] NONE = new byte[0];

  private SseFrames() {}

  /** The stream's opening: the comment {@code : ok} and the reconnection delay. */
  public static byte[] opening(long retryMillis) {
    return (": ok\n\nretry: " + retryMillis + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One event: {@code id:} when {@code id} is not null, {@code event:} when {@code event} is not
   * null, and the data, one {@code data:} line per line of it (so a data value with line breaks
   * stays one event).
   */
  public static byte[] event(Long id, String event, String data) {
    if (data.indexOf('\n') < 0 && data.indexOf('\r') < 0) {
      // The common case (JSON as Jackson writes it has no raw line breaks): one concatenation, no
      // scan.
      String head = id == null ? "" : "id: " + id + "\n";
      return (event == null
              ? head + "data: " + data + "\n\n"
              : head + "event: " + event + "\ndata: " + data + "\n\n")
          .getBytes(StandardCharsets.UTF_8);
    }
    StringBuilder frame = new StringBuilder(data.length() + 32);
    if (id != null) {
      frame.append("id: ").append(id).append('\n');
    }
    if (event != null) {
      frame.append("event: ").append(event).append('\n');
    }
    int start = 0;
    while (true) {
      int newline = nextLineBreak(data, start);
      frame
          .append("data: ")
          .append(data, start, newline < 0 ? data.length() : newline)
          .append('\n');
      if (newline < 0) {
        break;
      }
      start =
          data.charAt(newline) == '\r'
                  && newline + 1 < data.length()
                  && data.charAt(newline + 1) == '\n'
              ? newline + 2
              : newline + 1;
    }
    frame.append('\n');
    return frame.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static int nextLineBreak(String data, int from) {
    for (int i = from; i < data.length(); i++) {
      char c = data.charAt(i);
      if (c == '\n' || c == '\r') {
        return i;
      }
    }
    return -1;
  }
}
