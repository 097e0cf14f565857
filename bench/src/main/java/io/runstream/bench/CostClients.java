package io.runstream.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run as its own process by the benchmark's {@code cost} scenario (issue #12 goal 5: readers and
 * server do not share a JVM): N runs started at the same instant, each with {@code "simulation":
 * {"stamp": true}} at a steady pace, and one reader each (a plain socket). Every text delta is
 * {@code tok<N>@<epoch ms>.<µs> }: its delivery latency is the receive time minus that stamp, end
 * to end (worker → Kafka → fan-out → socket → this process); the gaps between a run's consecutive
 * deltas show how steady the stream is.
 *
 * <p>Writes one line to the result file: {@code runs exact deltas latP50 latP99 latMax gapP50
 * gapP99 gapMax postP50 postP99 firstP50 firstP99 windowNanos retried503 resumed} (latencies in
 * microseconds, the rest in nanoseconds; {@code first}: POST sent → first delta received; a stream
 * the server cut off, a slow reader, resumes with its last id and counts in {@code resumed}).
 */
public final class CostClients {
  private static final Pattern STAMP = Pattern.compile("tok(\\d+)@(\\d+)\\.(\\d{3})");

  private CostClients() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    String token = args[1];
    int runs = Integer.parseInt(args[2]);
    int tokens = Integer.parseInt(args[3]);
    double pace = Double.parseDouble(args[4]);
    Path result = Path.of(args[5]);
    InetSocketAddress server = new InetSocketAddress(base.getHost(), base.getPort());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Long> gaps = Collections.synchronizedList(new ArrayList<>());
    List<Long> posts = Collections.synchronizedList(new ArrayList<>());
    List<Long> firsts = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger exact = new AtomicInteger();
    AtomicInteger retried = new AtomicInteger();
    AtomicInteger resumed = new AtomicInteger();
    AtomicLong deltas = new AtomicLong();
    AtomicInteger source = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    String body =
        "{\"input\":\"cost\",\"simulation\":{\"output_tokens\":"
            + tokens
            + ",\"tokens_per_second\":"
            + pace
            + ",\"stamp\":true}}";
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      go.await();
                      long sent = System.nanoTime();
                      HttpResponse<String> created;
                      // A 503 (database or streams busy) is retried after its Retry-After, as a
                      // client would.
                      for (int attempt = 0; ; attempt++) {
                        created =
                            http.send(
                                HttpRequest.newBuilder(base.resolve("/api/v1/runs"))
                                    .header("Authorization", "Bearer " + token)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (created.statusCode() != 503 || attempt == 10) {
                          break;
                        }
                        retried.incrementAndGet();
                        Thread.sleep(
                            1000L
                                * Long.parseLong(
                                    created.headers().firstValue("Retry-After").orElse("1")));
                      }
                      posts.add(System.nanoTime() - sent);
                      Matcher id =
                          Pattern.compile("\"run_uuid\"\\s*:\\s*\"([^\"]+)\"")
                              .matcher(created.body());
                      if (created.statusCode() != 202 || !id.find()) {
                        System.err.println(
                            "cost client: POST answered "
                                + created.statusCode()
                                + " "
                                + created.body());
                        return;
                      }
                      String path = "/api/v1/runs/" + id.group(1) + "/stream";
                      long previousAt = 0;
                      int expected = 0;
                      boolean inOrder = true;
                      boolean done = false;
                      String lastId = null;
                      // A reader the server cut off (too slow) or a dropped connection resumes with
                      // its last id, as EventSource.
                      for (int connection = 0; connection < 20 && !done; connection++) {
                        if (connection > 0) {
                          resumed.incrementAndGet();
                        }
                        SocketSseReader reader =
                            new SocketSseReader(
                                server, path, token, lastId, source.incrementAndGet());
                        if (reader.status == 204) {
                          reader.close();
                          break;
                        }
                        if (reader.status != 200) {
                          reader.close();
                          Thread.sleep(reader.retryAfterMillis);
                          continue;
                        }
                        while (reader.next()) {
                          lastId = Long.toString(reader.lastId);
                          String data = reader.lastData;
                          if (data == null || !data.contains("text-delta")) {
                            continue;
                          }
                          Matcher stamp = STAMP.matcher(data);
                          if (!stamp.find()) {
                            continue;
                          }
                          long receivedAt = System.nanoTime();
                          Instant now = Instant.now();
                          long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
                          long stampMicros =
                              Long.parseLong(stamp.group(2)) * 1_000
                                  + Long.parseLong(stamp.group(3));
                          latencies.add(nowMicros - stampMicros);
                          if (previousAt == 0) {
                            firsts.add(receivedAt - sent);
                          } else {
                            gaps.add(receivedAt - previousAt);
                          }
                          previousAt = receivedAt;
                          inOrder &= Integer.parseInt(stamp.group(1)) == expected;
                          expected++;
                          deltas.incrementAndGet();
                        }
                        done = reader.done;
                        reader.close();
                      }
                      if (done && inOrder && expected == tokens) {
                        exact.incrementAndGet();
                      } else {
                        System.err.println(
                            "cost client: run "
                                + id.group(1)
                                + " ended after "
                                + expected
                                + " deltas, done "
                                + done
                                + ", in order "
                                + inOrder);
                      }
                    } catch (Exception e) {
                      System.err.println("cost client: " + e);
                    }
                  }));
    }
    long start = System.nanoTime();
    go.countDown();
    for (Thread thread : threads) {
      thread.join(Duration.ofMinutes(10));
    }
    long window = System.nanoTime() - start;
    List<Long> lat = sorted(latencies);
    List<Long> gap = sorted(gaps);
    List<Long> post = sorted(posts);
    List<Long> first = sorted(firsts);
    Files.writeString(
        result,
        runs
            + " "
            + exact.get()
            + " "
            + deltas.get()
            + " "
            + percentile(lat, 0.5)
            + " "
            + percentile(lat, 0.99)
            + " "
            + last(lat)
            + " "
            + percentile(gap, 0.5)
            + " "
            + percentile(gap, 0.99)
            + " "
            + last(gap)
            + " "
            + percentile(post, 0.5)
            + " "
            + percentile(post, 0.99)
            + " "
            + percentile(first, 0.5)
            + " "
            + percentile(first, 0.99)
            + " "
            + window
            + " "
            + retried.get()
            + " "
            + resumed.get()
            + "\n");
    System.exit(0);
  }

  private static List<Long> sorted(List<Long> values) {
    List<Long> copy = new ArrayList<>(values);
    Collections.sort(copy);
    return copy;
  }

  private static long last(List<Long> sorted) {
    return sorted.isEmpty() ? 0 : sorted.getLast();
  }

  private static long percentile(List<Long> sorted, double p) {
    return sorted.isEmpty()
        ? 0
        : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
