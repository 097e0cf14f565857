package io.runstream.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One SSE GET over a plain socket: the status, then events one by one (chunked transfer decoded).
 */
final class SocketSseReader implements AutoCloseable {
  private final Socket socket = new Socket();
  private final InputStream in;
  final int status;
  long retryAfterMillis = 1000;
  long connectedAt;
  long headAt;
  long lastId = -1;
  String lastData;
  boolean done;
  private boolean chunked;
  private int chunkLeft;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  // the head's and the chunk sizes' lines: a chunk boundary can fall inside a body line being read
  // into {@code line}
  private final ByteArrayOutputStream head = new ByteArrayOutputStream(64);
  // A buffer of our own, not a BufferedInputStream: that one takes a lock per byte read, and a
  // thousand readers in one process then measured the load generator as much as the server.
  private final byte[] buffer = new byte[8192];
  private int position;
  private int limit;

  SocketSseReader(
      InetSocketAddress server, String path, String token, String lastEventId, int source)
      throws IOException {
    // several loopback source addresses: clear of port exhaustion when thousands connect at once
    socket.bind(new InetSocketAddress("127.0.0." + (2 + source % 50), 0));
    socket.connect(server, 30_000);
    connectedAt = System.nanoTime();
    socket.setSoTimeout(120_000);
    String request =
        "GET "
            + path
            + " HTTP/1.1\r\nHost: "
            + server.getHostString()
            + "\r\nAccept: text/event-stream\r\n"
            + "Authorization: Bearer "
            + token
            + "\r\n"
            + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
            + "\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    in = socket.getInputStream();
    String statusLine = rawLine();
    headAt = System.nanoTime();
    status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String header = rawLine(); !header.isEmpty(); header = rawLine()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      } else if (lower.startsWith("retry-after:")) {
        retryAfterMillis = Long.parseLong(header.substring(12).strip()) * 1000;
      }
    }
  }

  /**
   * Reads to the next event with an id (its data in {@link #lastData}, when it came before the
   * event's end); false at {@code [DONE]} or the end of the stream.
   */
  boolean next() throws IOException {
    if (status != 200 || done) {
      return false;
    }
    boolean identified = false;
    while (true) {
      String text = bodyLine();
      if (text == null) {
        return identified;
      }
      if (text.startsWith("id:")) {
        lastId = Long.parseLong(text.substring(3).strip());
        lastData = null;
        identified = true;
      } else if (text.equals("data: [DONE]")) {
        done = true;
        return false;
      } else if (text.startsWith("data:")) {
        lastData = text.substring(5).strip();
      } else if (text.isEmpty() && identified) {
        return true;
      }
    }
  }

  private String rawLine() throws IOException {
    head.reset();
    for (int b = read(); b != '\n'; b = read()) {
      if (b < 0) {
        throw new IOException("connection closed in the head");
      }
      if (b != '\r') {
        head.write(b);
      }
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** A line of the body (chunked transfer decoded), or null at its end. */
  private String bodyLine() throws IOException {
    line.reset();
    while (true) {
      int b = bodyByte();
      if (b < 0) {
        return null;
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      if (b != '\r') {
        line.write(b);
      }
    }
  }

  private int bodyByte() throws IOException {
    if (!chunked) {
      return read();
    }
    if (chunkLeft == 0) {
      String size = rawLine();
      if (size.isEmpty()) {
        size = rawLine(); // the CRLF after the previous chunk's data
      }
      chunkLeft = Integer.parseInt(size.split(";")[0].strip(), 16);
      if (chunkLeft == 0) {
        return -1;
      }
    }
    int b = read();
    if (b >= 0) {
      chunkLeft--;
    }
    return b;
  }

  private int read() throws IOException {
    if (position == limit) {
      limit = in.read(buffer);
      position = 0;
      if (limit <= 0) {
        limit = 0;
        return -1;
      }
    }
    return buffer[position++] & 0xFF;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
