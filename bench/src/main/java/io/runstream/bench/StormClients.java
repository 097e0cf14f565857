package io.runstream.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run as its own process by the benchmark's {@code storm} scenario: R readers per run read {@code before} events
 * each, all drop their connection, and all reconnect at the same instant with their {@code Last-Event-ID}; each then
 * reads to the end. Writes one line to the result file: {@code readers exact p50Nanos p99Nanos maxNanos} where the
 * figures are from the reconnect request to the first missed event, and a reader is exact when the ids after the
 * reconnect continue strictly above its last id and its read reaches {@code [DONE]}.
 */
public final class StormClients {
  private StormClients() {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    List<String> paths = Files.readAllLines(Path.of(args[1]));
    int perRun = Integer.parseInt(args[2]);
    String token = args[3];
    int before = Integer.parseInt(args[4]);
    Path result = Path.of(args[5]);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
    int readers = paths.size() * perRun;
    CountDownLatch dropped = new CountDownLatch(readers);
    CountDownLatch go = new CountDownLatch(1);
    List<Long> firsts = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger exact = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (String path : paths) {
      for (int r = 0; r < perRun; r++) {
        threads.add(Thread.ofVirtual().start(() -> {
          long last = -1;
          try {
            last = read(http, base + path, token, null, before, null);
          } catch (Exception e) {
            System.err.println("storm reader: " + e);
          } finally {
            dropped.countDown();
          }
          try {
            go.await();
            long[] first = new long[1];
            long start = System.nanoTime();
            long end = read(http, base + path, token, last < 0 ? null : Long.toString(last), Integer.MAX_VALUE, first);
            if (first[0] > 0) {
              firsts.add(first[0] - start);
            }
            if (end == Long.MAX_VALUE) {
              exact.incrementAndGet();
            }
          } catch (Exception e) {
            System.err.println("storm reader after reconnect: " + e);
          }
        }));
      }
    }
    dropped.await();
    go.countDown();
    for (Thread thread : threads) {
      thread.join(Duration.ofMinutes(5));
    }
    List<Long> sorted = new ArrayList<>(firsts);
    Collections.sort(sorted);
    Files.writeString(result, readers + " " + exact.get() + " " + percentile(sorted, 0.5) + " " + percentile(sorted, 0.99)
        + " " + (sorted.isEmpty() ? 0 : sorted.getLast()) + "\n");
    System.exit(0);
  }

  /**
   * Reads up to {@code limit} events after {@code lastEventId}; returns the last id read, or {@link Long#MAX_VALUE}
   * when it read to {@code [DONE]} with every id strictly increasing. {@code first[0]} gets the time of the first event.
   */
  private static long read(HttpClient http, String url, String token, String lastEventId, int limit, long[] first)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5))
        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    long last = lastEventId == null ? -1 : Long.parseLong(lastEventId);
    boolean increasing = true;
    int events = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id:")) {
          long id = Long.parseLong(line.substring(3).strip());
          if (first != null && first[0] == 0) {
            first[0] = System.nanoTime();
          }
          if (id <= last) {
            System.err.println("storm reader: id " + id + " after " + last + " on " + url);
            increasing = false;
          }
          last = id;
          if (++events >= limit) {
            return last;
          }
        } else if (line.equals("data: [DONE]")) {
          return increasing ? Long.MAX_VALUE : last;
        }
      }
    }
    if (limit == Integer.MAX_VALUE) {
      System.err.println("storm reader: status " + response.statusCode() + ", ended without [DONE] after id " + last
          + " (" + events + " events) on " + url);
    }
    return last;
  }

  private static long percentile(List<Long> sorted, double p) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
