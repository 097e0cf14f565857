package io.runstream.worker.model;

import io.runstream.worker.control.RunStops;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A stream wired to a stop the way a run's is ({@code AgentLoop}'s step output): its pauses and its
 * provider's blocking reads wait through a {@link RunStops.Stop}, which the test ends.
 */
public final class StoppableStream implements LlmStream {
  /** The stop the test ends. */
  public final RunStops.Stop stop = new RunStops.Stop();

  /** What the provider streamed ({@code text:...}, {@code reasoning:...}). */
  public final List<String> events = new CopyOnWriteArrayList<>();

  /** Whether the provider's thread was still interrupted when the provider returned. */
  public final AtomicBoolean interruptedAfter = new AtomicBoolean();

  @Override
  public void text(String delta) {
    events.add("text:" + delta);
  }

  @Override
  public void reasoning(String delta) {
    events.add("reasoning:" + delta);
  }

  @Override
  public boolean stopped() {
    return stop.requested();
  }

  @Override
  public boolean pause(long nanos) {
    return stop.sleep(nanos);
  }

  @Override
  public <T> T blocking(Supplier<T> read) {
    return stop.interruptibly(read);
  }

  /** Streams {@code request} from {@code provider} on a virtual thread, as a run does. */
  public CompletableFuture<LlmResult> start(LlmProvider provider, LlmRequest request) {
    CompletableFuture<LlmResult> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("test-run")
        .start(
            () -> {
              try {
                LlmResult done = provider.stream(request, this);
                interruptedAfter.set(Thread.currentThread().isInterrupted());
                result.complete(done);
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }
}
