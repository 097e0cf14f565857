package io.runstream.worker.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.worker.WorkerProperties;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A run's stop wakes it wherever it waits (a sleep, a future, a blocking read), the interrupt of a
 * blocking read never outlives it, and a run past {@code max-run-duration} is ended as timed out.
 * Bounds are functional, not benchmarks: every wait here would last an hour without the stop.
 */
class RunStopsTest {
  private static final Duration BOUND = Duration.ofSeconds(3);

  static WorkerProperties properties(Duration maxRunDuration) {
    return new WorkerProperties(
        true,
        "g",
        10,
        Duration.ofSeconds(30),
        20,
        Duration.ofSeconds(5),
        50,
        Duration.ofSeconds(5),
        8,
        Duration.ofMinutes(5),
        true,
        maxRunDuration,
        Duration.ofMinutes(10),
        List.of(),
        WorkerProperties.RunThreads.PLATFORM);
  }

  /** Runs {@code body} on a virtual thread, as a run runs. */
  static <T> CompletableFuture<T> onRunThread(Callable<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                result.complete(body.call());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  @Test
  void shouldWakeASleepAtOnceWhenTheRunIsStopped() throws Exception {
    RunStops.Stop stop = new RunStops.Stop();
    CompletableFuture<Boolean> slept = onRunThread(() -> stop.sleep(Duration.ofHours(1)));
    assertThat(stop.end(RunStops.Kind.STOPPED, "stopped by the user")).isTrue();
    assertThat(slept.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
    assertThat(stop.end(RunStops.Kind.TIMED_OUT, "late")).as("the first ending wins").isFalse();
    assertThat(stop.ending())
        .isEqualTo(new RunStops.Ending(RunStops.Kind.STOPPED, "stopped by the user"));
    assertThat(stop.sleep(Duration.ofHours(1))).as("a stopped run does not sleep").isFalse();
    assertThat(new RunStops.Stop().sleep(Duration.ofMillis(1))).isTrue();
  }

  @Test
  void shouldWakeAnAwaitOnTheFuturesCompletionOrTheStop() throws Exception {
    RunStops.Stop stop = new RunStops.Stop();
    CompletableFuture<String> answer = new CompletableFuture<>();
    CompletableFuture<Boolean> waited = onRunThread(() -> stop.await(answer, Duration.ofHours(1)));
    answer.complete("here");
    assertThat(waited.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

    CompletableFuture<Boolean> stopped =
        onRunThread(() -> stop.await(new CompletableFuture<>(), null));
    stop.end(RunStops.Kind.STOPPED, "stopped");
    assertThat(stopped.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isFalse();

    assertThat(new RunStops.Stop().await(new CompletableFuture<>(), Duration.ofMillis(20)))
        .as("timed out")
        .isFalse();
  }

  @Test
  void shouldInterruptOnlyTheBlockingReadAndClearTheInterruptAfterIt() throws Exception {
    RunStops.Stop stop = new RunStops.Stop();
    AtomicBoolean interruptedAfter = new AtomicBoolean(true);
    ArrayBlockingQueue<String> never = new ArrayBlockingQueue<>(1);
    CountDownLatch inside = new CountDownLatch(1);
    CompletableFuture<String> read =
        onRunThread(
            () -> {
              try {
                return stop.interruptibly(
                    () -> {
                      try {
                        inside.countDown();
                        return never.take();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException("cut", e);
                      }
                    });
              } finally {
                interruptedAfter.set(Thread.currentThread().isInterrupted());
              }
            });
    assertThat(inside.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    stop.end(RunStops.Kind.STOPPED, "stopped");
    assertThatThrownBy(() -> read.get(BOUND.toMillis(), TimeUnit.MILLISECONDS))
        .hasRootCauseInstanceOf(InterruptedException.class);
    assertThat(interruptedAfter).as("cleared before the read returned").isFalse();

    // A stop while the thread is outside a blocking read leaves it alone; the next read fails at
    // once.
    RunStops.Stop later = new RunStops.Stop();
    later.end(RunStops.Kind.STOPPED, "stopped");
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThatThrownBy(
            () ->
                later.interruptibly(
                    () -> {
                      try {
                        return never.poll(1, TimeUnit.HOURS);
                      } catch (InterruptedException e) {
                        throw new IllegalStateException("cut", e);
                      }
                    }))
        .hasRootCauseInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void shouldEndARunPastItsDeadlineAsTimedOutNamingTheLimit() throws Exception {
    RunStops stops = new RunStops(properties(Duration.ofMillis(300)));
    try {
      RunStops.Stop stop = stops.register(UUID.randomUUID(), null);
      CompletableFuture<Boolean> slept = onRunThread(() -> stop.sleep(Duration.ofHours(1)));
      assertThat(slept.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
      assertThat(stop.ending().kind()).isEqualTo(RunStops.Kind.TIMED_OUT);
      assertThat(stop.reason()).contains("runstream.worker.max-run-duration (300 ms)");
    } finally {
      stops.destroy();
    }
  }

  @Test
  void shouldApplyAStopThatArrivedBeforeTheRunAndEndEveryRunAtShutdown() {
    RunStops stops = new RunStops(properties(Duration.ofMinutes(30)));
    try {
      UUID early = UUID.randomUUID();
      stops.request(early, "stopped by the user");
      assertThat(stops.register(early, null).ending())
          .isEqualTo(new RunStops.Ending(RunStops.Kind.STOPPED, "stopped by the user"));
      RunStops.Stop running = stops.register(UUID.randomUUID(), null);
      stops.shutdown();
      assertThat(running.ending().kind()).isEqualTo(RunStops.Kind.SHUTDOWN);
      assertThat(stops.limitText()).isEqualTo("runstream.worker.max-run-duration (30 min)");
    } finally {
      stops.destroy();
    }
  }
}
