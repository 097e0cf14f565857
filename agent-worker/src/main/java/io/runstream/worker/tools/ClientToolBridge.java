package io.runstream.worker.tools;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The mailbox of the client tool calls this worker's runs wait for: a run registers a call before streaming it, the
 * control tail delivers the result posted to {@code POST /api/v1/runs/{uuid}/tool-results}, and the run waits
 * (bounded) for it. A result for a call this worker does not hold (another worker's run) is ignored.
 */
@Component
public class ClientToolBridge {
  private static final long POLL_MS = 100;

  private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

  private static String key(UUID runId, String toolCallId) {
    return runId + "/" + toolCallId;
  }

  /** Registers a call the run is about to stream; its result is delivered to it from now on. */
  public void expect(UUID runId, String toolCallId) {
    waiting.putIfAbsent(key(runId, toolCallId), new CompletableFuture<>());
  }

  /** Delivers a client's result (control tail); false if no run of this worker waits for that call. */
  public boolean deliver(UUID runId, String toolCallId, JsonNode output) {
    CompletableFuture<JsonNode> future = waiting.get(key(runId, toolCallId));
    return future != null && future.complete(output);
  }

  /** How a wait ended. */
  public sealed interface Answer {
    /** The client answered. */
    record Result(JsonNode output) implements Answer {}

    /** No answer in time. */
    record TimedOut(Duration waited) implements Answer {}

    /** The run was stopped while it waited. */
    record Stopped() implements Answer {}
  }

  /** Waits for the call's result up to {@code timeout}, giving up at once when {@code stopped} turns true. */
  public Answer await(UUID runId, String toolCallId, Duration timeout, BooleanSupplier stopped) {
    String key = key(runId, toolCallId);
    CompletableFuture<JsonNode> future = waiting.computeIfAbsent(key, k -> new CompletableFuture<>());
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        if (stopped.getAsBoolean()) {
          return new Answer.Stopped();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return new Answer.TimedOut(timeout);
        }
        try {
          return new Answer.Result(future.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, POLL_MS), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
          // poll the stop again
        } catch (ExecutionException e) {
          return new Answer.TimedOut(timeout);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new Answer.Stopped();
        }
      }
    } finally {
      waiting.remove(key);
    }
  }
}
