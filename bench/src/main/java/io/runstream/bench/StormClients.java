package io.runstream.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run as its own process by the benchmark's {@code storm} scenario: R readers per run read {@code
 * before} events each, all drop their connection, and all reconnect at the same instant with their
 * {@code Last-Event-ID}; each then reads to the end. Meanwhile one steady reader per run, connected
 * before the storm, reads it without ever dropping: the gaps between its events during the storm
 * show whether live streams keep their pace, and each stamped delta's emission → received time
 * whether a gap was the server's or the model's (the runs are stamped: one token per delta at the
 * pace, so that the gaps measure the path and not the length of words).
 *
 * <p>The readers are plain sockets on virtual threads with a minimal HTTP/1.1 + chunked + SSE
 * parser (no HTTP client library), so that the client costs as little CPU as a browser's network
 * stack would on another machine.
 *
 * <p>Writes one line to the result file: {@code readers exact p50 p99 max status503 gapP50 gapP99
 * gapMax lateP50 lateP99} (nanoseconds; the last two microseconds) where the first figures are from
 * the reconnect request to the first missed event (a 503 is retried after its {@code Retry-After},
 * counted in that time), a reader is exact when the ids after the reconnect continue strictly above
 * its last id and its read reaches {@code [DONE]}, and the gaps are between consecutive events of
 * the steady readers over the 10 s after the storm began.
 */
public final class StormClients {
  private StormClients() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    List<String> paths = Files.readAllLines(Path.of(args[1]));
    int perRun = Integer.parseInt(args[2]);
    String token = args[3];
    int before = Integer.parseInt(args[4]);
    Path result = Path.of(args[5]);
    InetSocketAddress server = new InetSocketAddress(base.getHost(), base.getPort());
    int readers = paths.size() * perRun;
    CountDownLatch dropped = new CountDownLatch(readers);
    CountDownLatch go = new CountDownLatch(1);
    List<Long> firsts = Collections.synchronizedList(new ArrayList<>());
    List<Long> gaps = Collections.synchronizedList(new ArrayList<>());
    List<Long> lateness = Collections.synchronizedList(new ArrayList<>());
    List<Long> heads = Collections.synchronizedList(new ArrayList<>());
    List<Long> connects = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger exact = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicLong stormStart = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    AtomicInteger source = new AtomicInteger();
    for (String path : paths) {
      // the steady reader of this run: connected before the storm, never drops; its gaps and its
      // deltas' emission → received during the storm's first 10 s. A platform thread: scheduled by
      // the OS, as a client on another machine would be, not queued behind the thousand storm
      // readers' virtual threads on this process's two carriers (which measured the load
      // generator's own queue)
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      SocketSseReader reader =
                          new SocketSseReader(server, path, token, null, source.incrementAndGet());
                      long previous = 0;
                      while (reader.next()) {
                        long now = System.nanoTime();
                        long storm = stormStart.get();
                        if (previous > 0
                            && storm > 0
                            && previous - storm >= 0
                            && now - storm < Duration.ofSeconds(10).toNanos()) {
                          gaps.add(now - previous);
                          Long late = lateMicros(reader.lastData);
                          if (late != null) {
                            lateness.add(late);
                          }
                        }
                        previous = now;
                      }
                      reader.close();
                    } catch (Exception e) {
                      System.err.println("steady reader: " + e);
                    }
                  }));
      for (int r = 0; r < perRun; r++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      long last = -1;
                      try (SocketSseReader reader =
                          admitted(server, path, token, null, source, null)) {
                        for (int i = 0; i < before && reader.next(); i++) {
                          last = reader.lastId;
                        }
                      } catch (Exception e) {
                        System.err.println("storm reader: " + e);
                      } finally {
                        dropped.countDown();
                      }
                      try {
                        go.await();
                        long start = System.nanoTime();
                        SocketSseReader reader =
                            admitted(
                                server,
                                path,
                                token,
                                last < 0 ? null : Long.toString(last),
                                source,
                                refused);
                        heads.add(reader.headAt - start);
                        connects.add(reader.connectedAt - start);
                        boolean increasing = true;
                        long previous = last;
                        boolean first = true;
                        while (reader.next()) {
                          if (first) {
                            firsts.add(System.nanoTime() - start);
                            first = false;
                          }
                          if (reader.lastId <= previous) {
                            System.err.println(
                                "storm reader: id "
                                    + reader.lastId
                                    + " after "
                                    + previous
                                    + " on "
                                    + path);
                            increasing = false;
                          }
                          previous = reader.lastId;
                        }
                        if (reader.done && increasing) {
                          exact.incrementAndGet();
                        } else if (!reader.done) {
                          System.err.println(
                              "storm reader: status "
                                  + reader.status
                                  + ", ended without [DONE] after id "
                                  + previous
                                  + " on "
                                  + path);
                        }
                        reader.close();
                      } catch (Exception e) {
                        System.err.println("storm reader after reconnect: " + e);
                      }
                    }));
      }
    }
    dropped.await();
    stormStart.set(System.nanoTime());
    go.countDown();
    for (Thread thread : threads) {
      thread.join(Duration.ofMinutes(5));
    }
    List<Long> sorted = new ArrayList<>(firsts);
    Collections.sort(sorted);
    for (var named : Map.of("connected", connects, "response head", heads).entrySet()) {
      List<Long> times = new ArrayList<>(named.getValue());
      Collections.sort(times);
      System.err.printf(
          Locale.ROOT,
          "storm: reconnect to %s p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
          named.getKey(),
          percentile(times, 0.5) / 1e6,
          percentile(times, 0.99) / 1e6,
          times.isEmpty() ? 0 : times.getLast() / 1e6);
    }
    List<Long> sortedGaps = new ArrayList<>(gaps);
    Collections.sort(sortedGaps);
    List<Long> sortedLateness = new ArrayList<>(lateness);
    Collections.sort(sortedLateness);
    Files.writeString(
        result,
        readers
            + " "
            + exact.get()
            + " "
            + percentile(sorted, 0.5)
            + " "
            + percentile(sorted, 0.99)
            + " "
            + (sorted.isEmpty() ? 0 : sorted.getLast())
            + " "
            + refused.get()
            + " "
            + percentile(sortedGaps, 0.5)
            + " "
            + percentile(sortedGaps, 0.99)
            + " "
            + (sortedGaps.isEmpty() ? 0 : sortedGaps.getLast())
            + " "
            + percentile(sortedLateness, 0.5)
            + " "
            + percentile(sortedLateness, 0.99)
            + "\n");
    System.exit(0);
  }

  /**
   * Opens a stream, retrying a 503 after its Retry-After (as the Runstream transport does); counts
   * the 503s.
   */
  private static SocketSseReader admitted(
      InetSocketAddress server,
      String path,
      String token,
      String lastEventId,
      AtomicInteger source,
      AtomicInteger refused)
      throws Exception {
    SocketSseReader reader =
        new SocketSseReader(server, path, token, lastEventId, source.incrementAndGet());
    while (reader.status == 503) {
      if (refused != null) {
        refused.incrementAndGet();
      }
      reader.close();
      Thread.sleep(reader.retryAfterMillis);
      reader = new SocketSseReader(server, path, token, lastEventId, source.incrementAndGet());
    }
    return reader;
  }

  private static long percentile(List<Long> sorted, double p) {
    return sorted.isEmpty()
        ? 0
        : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  private static final Pattern STAMP = Pattern.compile("tok\\d+@(\\d+)\\.(\\d{3})");

  /**
   * How long after its emission a stamped delta was received, in microseconds (the same clock: one
   * machine); null for an event without a stamp. Tells a late delivery from a late emission.
   */
  private static Long lateMicros(String data) {
    if (data == null) {
      return null;
    }
    Matcher stamp = STAMP.matcher(data);
    if (!stamp.find()) {
      return null;
    }
    Instant now = Instant.now();
    long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    return nowMicros - (Long.parseLong(stamp.group(1)) * 1_000 + Long.parseLong(stamp.group(2)));
  }
}
