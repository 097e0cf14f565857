package io.runstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run as its own process by the benchmark: opens N SSE connections from several loopback source
 * addresses (to stay clear of port exhaustion), waits for each stream's opening, writes how many
 * are open to the ready file, and holds them until its standard input closes.
 */
public final class IdleClients {
  private IdleClients() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    int port = Integer.parseInt(args[1]);
    String path = args[2];
    String token = args[3];
    Path ready = Path.of(args[4]);
    byte[] request =
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer "
                + token
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    List<Socket> sockets = new ArrayList<>(count);
    byte[] buffer = new byte[512];
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.bind(new InetSocketAddress("127.0.0." + (2 + i / 20_000), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.getOutputStream().write(request);
      InputStream in = socket.getInputStream();
      String head = "";
      while (!head.contains(": ok")) {
        int n = in.read(buffer);
        if (n < 0) {
          throw new IOException("connection " + i + " closed: " + head);
        }
        head += new String(buffer, 0, n, StandardCharsets.US_ASCII);
      }
      if (!head.startsWith("HTTP/1.1 200")) {
        throw new IOException("connection " + i + ": " + head.lines().findFirst().orElse(""));
      }
      sockets.add(socket);
    }
    Files.writeString(ready, Integer.toString(sockets.size()));
    while (System.in.read() >= 0) {
      // hold until the benchmark closes our input
    }
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
