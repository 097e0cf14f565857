package io.runstream.worker.tools;

import io.runstream.worker.control.RunStops;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The mailbox of the client tool calls this worker's runs wait for: a run registers a call before
 * streaming it, the control tail delivers the result posted to {@code POST
 * /api/v1/runs/{uuid}/tool-results}, and the run waits (bounded) for it. A result for a call this
 * worker does not hold (another worker's run) is ignored.
 */
@Component
public class ClientToolBridge {
  private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

  private static String key(UUID runId, String toolCallId) {
    return runId + "/" + toolCallId;
  }

  /** Registers a call the run is about to stream; its result is delivered to it from now on. */
  public void expect(UUID runId, String toolCallId) {
    waiting.putIfAbsent(key(runId, toolCallId), new CompletableFuture<>());
  }

  /**
   * Delivers a client's result (control tail); false if no run of this worker waits for that call.
   */
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

  /**
   * Waits for the call's result up to {@code timeout}; the result's delivery and the run's end (a
   * stop, its deadline, the worker's shutdown) both wake the run at once.
   */
  public Answer await(UUID runId, String toolCallId, Duration timeout, RunStops.Stop stop) {
    String key = key(runId, toolCallId);
    CompletableFuture<JsonNode> future =
        waiting.computeIfAbsent(key, k -> new CompletableFuture<>());
    try {
      if (!stop.await(future, timeout)) {
        return stop.requested() ? new Answer.Stopped() : new Answer.TimedOut(timeout);
      }
      try {
        return new Answer.Result(future.join());
      } catch (CompletionException | CancellationException e) {
        return new Answer.TimedOut(timeout);
      }
    } finally {
      waiting.remove(key);
    }
  }
}
