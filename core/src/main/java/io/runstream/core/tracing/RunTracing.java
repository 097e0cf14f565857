package io.runstream.core.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Carries a run's trace across Kafka (issue #13 item 3): the W3C {@code traceparent} (and {@code
 * tracestate}) of the current span go into a record's headers, and a consumer starts its span as a
 * child of the one a record carries, so that one trace shows a run from the incoming request
 * through the run request, the worker, its chunk records and the sink. Without a tracer (tracing
 * off) everything here does nothing.
 */
@Component
public class RunTracing {
  private final Tracer tracer;
  private final Propagator propagator;

  public RunTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
    this.tracer = tracer.getIfAvailable();
    this.propagator = propagator.getIfAvailable();
  }

  /** Writes the current span's context into {@code headers}; nothing when no span is current. */
  public void inject(Headers headers) {
    if (tracer == null || propagator == null) {
      return;
    }
    TraceContext context = tracer.currentTraceContext().context();
    if (context != null) {
      inject(context, headers);
    }
  }

  /** Writes {@code span}'s context into {@code headers}. */
  public void inject(Span span, Headers headers) {
    if (span != null && propagator != null) {
      inject(span.context(), headers);
    }
  }

  private void inject(TraceContext context, Headers headers) {
    propagator.inject(
        context,
        headers,
        (carrier, key, value) -> {
          carrier.remove(key);
          carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
        });
  }

  /**
   * Starts a span named {@code name} as a child of the context {@code headers} carry (a new trace
   * when they carry none); null when tracing is off. The caller ends it.
   */
  public Span start(String name, Headers headers) {
    if (tracer == null || propagator == null) {
      return null;
    }
    Span.Builder builder =
        propagator.extract(
            headers,
            (carrier, key) -> {
              Header header = carrier.lastHeader(key);
              return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
            });
    return builder.name(name).kind(Span.Kind.CONSUMER).start();
  }

  /** Makes {@code span} current on this thread until the returned scope closes (no-op for null). */
  public AutoCloseable inScope(Span span) {
    if (span == null || tracer == null) {
      return () -> {};
    }
    Tracer.SpanInScope scope = tracer.withSpan(span);
    return scope::close;
  }
}
