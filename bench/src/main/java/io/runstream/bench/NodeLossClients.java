package io.runstream.bench;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The multi-node scenario's readers (issue #25 goal 3), in a process of their own: K readers per
 * run through the balancer's one address, each reading its run to the end and reconnecting with its
 * last id whenever its connection drops (as the Runstream transport and {@code EventSource} do);
 * one reference reader per run straight to the node that survives. A read is exact when its ids are
 * the reference's, in order, none missing and none twice.
 *
 * <p>Args: balancer port, surviving node's port, runs file (one stream path per line), readers per
 * run, token, result file. The result: {@code readers exact reconnects failedReconnects p50 p99
 * max} (nanoseconds, from a drop to the first event after it).
 */
public final class NodeLossClients {
  private NodeLossClients() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress balancer = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
    InetSocketAddress survivor = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    List<String> paths = Files.readAllLines(Path.of(args[2]));
    int perRun = Integer.parseInt(args[3]);
    String token = args[4];
    Path result = Path.of(args[5]);
    Map<String, List<Long>> reference = new ConcurrentHashMap<>();
    List<List<Long>> reads = Collections.synchronizedList(new ArrayList<>());
    List<String> readPaths = Collections.synchronizedList(new ArrayList<>());
    List<Long> afterDrop = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger reconnects = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger source = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (String path : paths) {
      threads.add(
          Thread.ofVirtual()
              .start(() -> reference.put(path, read(survivor, path, token, source, null, null))));
      for (int r = 0; r < perRun; r++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      List<Long> ids = read(balancer, path, token, source, afterDrop, reconnects);
                      if (ids == null) {
                        failed.incrementAndGet();
                      } else {
                        reads.add(ids);
                        readPaths.add(path);
                      }
                    }));
      }
    }
    for (Thread thread : threads) {
      thread.join(Duration.ofMinutes(5));
    }
    int exact = 0;
    synchronized (reads) {
      for (int i = 0; i < reads.size(); i++) {
        List<Long> expected = reference.get(readPaths.get(i));
        if (expected != null && expected.equals(reads.get(i))) {
          exact++;
        } else {
          System.err.println(
              "nodes reader: "
                  + reads.get(i).size()
                  + " events against the reference's "
                  + (expected == null ? "none" : expected.size())
                  + " on "
                  + readPaths.get(i));
        }
      }
    }
    List<Long> sorted = new ArrayList<>(afterDrop);
    Collections.sort(sorted);
    Files.writeString(
        result,
        String.format(
            Locale.ROOT,
            "%d %d %d %d %d %d %d",
            paths.size() * perRun,
            exact,
            reconnects.get(),
            failed.get(),
            percentile(sorted, 0.50),
            percentile(sorted, 0.99),
            sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1)));
  }

  /**
   * Reads {@code path} to its end through {@code server}, reconnecting with the last id after a
   * drop; the ids read, in order, or null if it could not finish in five minutes.
   */
  private static List<Long> read(
      InetSocketAddress server,
      String path,
      String token,
      AtomicInteger source,
      List<Long> afterDrop,
      AtomicInteger reconnects) {
    List<Long> ids = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    long droppedAt = 0;
    while (System.nanoTime() < deadline) {
      String last = ids.isEmpty() ? null : Long.toString(ids.get(ids.size() - 1));
      try (SocketSseReader reader =
          new SocketSseReader(server, path, token, last, source.incrementAndGet())) {
        if (reader.status == 204) {
          return ids;
        }
        if (reader.status == 503) {
          Thread.sleep(reader.retryAfterMillis);
          continue;
        }
        if (reader.status != 200) {
          System.err.println("nodes reader: status " + reader.status + " on " + path);
          return null;
        }
        while (reader.next()) {
          if (droppedAt > 0 && afterDrop != null) {
            afterDrop.add(System.nanoTime() - droppedAt);
          }
          droppedAt = 0;
          ids.add(reader.lastId);
        }
        if (reader.done) {
          return ids;
        }
      } catch (Exception e) {
        // the connection failed or dropped: come back with the last id
      }
      if (droppedAt == 0) {
        droppedAt = System.nanoTime();
        if (reconnects != null) {
          reconnects.incrementAndGet();
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private static long percentile(List<Long> sorted, double p) {
    return sorted.isEmpty()
        ? 0
        : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
