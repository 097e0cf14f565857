package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue #13 item 3: one trace shows a run end to end. A client's W3C {@code traceparent} on the
 * POST is continued by the request's span, carried in the run request's record headers to the
 * worker (the run's span), on the run's first and last chunk records to the sink (the span of the
 * batch that stores the run's end).
 */
class TraceIT extends PlatformIT {

  @Test
  void shouldShowARunFromTheRequestThroughTheWorkerToTheSinkInOneTrace() {
    String traceId = HexFormat.of().formatHex(randomBytes(16));
    String parentSpan = HexFormat.of().formatHex(randomBytes(8));
    String token = TestApi.freshToken();
    Spans.WATCHED.add(traceId);
    TestApi.Answer created =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/api/v1/sessions"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .header("traceparent", "00-" + traceId + "-" + parentSpan + "-01")
                    .POST(HttpRequest.BodyPublishers.ofString(TestApi.sessionBody("traced", 20, 0)))
                    .build());
    assertThat(created.status()).isEqualTo(201);
    String session = created.json().path("uuid").asString();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Map<String, List<SpanData>> byName =
                  Spans.EXPORTER.getFinishedSpanItems().stream()
                      .filter(span -> span.getTraceId().equals(traceId))
                      .collect(Collectors.groupingBy(SpanData::getName));
              assertThat(byName).containsKeys("runstream.run", "runstream.sink.persist");
              SpanData request = byName.get("http post /api/v1/sessions").getFirst();
              // the request continues the client's trace, the run descends from it (through the
              // security observation's
              // span), the sink's span is the run's child
              assertThat(request.getParentSpanId()).isEqualTo(parentSpan);
              SpanData run = byName.get("runstream.run").getFirst();
              Map<String, String> parents =
                  byName.values().stream()
                      .flatMap(List::stream)
                      .collect(
                          Collectors.toMap(
                              SpanData::getSpanId, SpanData::getParentSpanId, (a, b) -> a));
              String ancestor = run.getParentSpanId();
              while (ancestor != null
                  && !ancestor.equals(request.getSpanId())
                  && parents.containsKey(ancestor)) {
                ancestor = parents.get(ancestor);
              }
              assertThat(ancestor)
                  .as("the run's span descends from the request's")
                  .isEqualTo(request.getSpanId());
              assertThat(run.getAttributes().asMap().toString()).contains(session);
              SpanData sink = byName.get("runstream.sink.persist").getFirst();
              assertThat(sink.getParentSpanId()).isEqualTo(run.getSpanId());
            });
    // The trace as a collector would show it (for reports): start offset, duration, name, span and
    // parent ids.
    List<SpanData> trace =
        Spans.EXPORTER.getFinishedSpanItems().stream()
            .filter(span -> span.getTraceId().equals(traceId))
            .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
            .toList();
    long t0 = trace.getFirst().getStartEpochNanos();
    StringBuilder shown = new StringBuilder("trace " + traceId + ":");
    for (SpanData span : trace) {
      shown.append(
          String.format(
              "%n  +%6.1f ms %7.1f ms  %-40s span %s parent %s",
              (span.getStartEpochNanos() - t0) / 1e6,
              (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6,
              span.getName(),
              span.getSpanId(),
              span.getParentSpanId()));
    }
    LoggerFactory.getLogger(TraceIT.class).info("{}", shown);
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }
}
