package io.runstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP load balancer for the multi-node scenario, as a deployment puts in front of its fan-out
 * nodes: round robin over the backends, a backend that refuses the connection skipped for the next
 * (a passive health check), no buffering (bytes are copied as they come), and a client's connection
 * closed when its backend's closes (a node that dies drops its readers, who come back through the
 * balancer to a live node).
 */
final class Balancer implements AutoCloseable {
  private final ServerSocket server;
  private final List<InetSocketAddress> backends;
  private final AtomicInteger next = new AtomicInteger();
  private volatile boolean open = true;

  Balancer(List<Integer> backendPorts) throws IOException {
    this.backends =
        backendPorts.stream().map(port -> new InetSocketAddress("127.0.0.1", port)).toList();
    this.server = new ServerSocket(0, 10_000, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("balancer-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (open) {
      try {
        Socket client = server.accept();
        Thread.ofVirtual().start(() -> serve(client));
      } catch (IOException e) {
        if (!open) {
          return;
        }
      }
    }
  }

  private void serve(Socket client) {
    Socket backend = null;
    int first = Math.floorMod(next.getAndIncrement(), backends.size());
    for (int i = 0; i < backends.size() && backend == null; i++) {
      Socket candidate = new Socket();
      try {
        candidate.connect(backends.get((first + i) % backends.size()), 1_000);
        backend = candidate;
      } catch (IOException refused) {
        closeQuietly(candidate);
      }
    }
    if (backend == null) {
      closeQuietly(client);
      return;
    }
    Socket connected = backend;
    try {
      client.setTcpNoDelay(true);
      connected.setTcpNoDelay(true);
    } catch (IOException ignored) {
      // copied anyway
    }
    Thread.ofVirtual().start(() -> pipe(client, connected));
    pipe(connected, client);
  }

  private static void pipe(Socket from, Socket to) {
    byte[] buffer = new byte[8192];
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) > 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException gone) {
      // one side went away: both are closed below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed
    }
  }

  @Override
  public void close() throws IOException {
    open = false;
    server.close();
  }
}
