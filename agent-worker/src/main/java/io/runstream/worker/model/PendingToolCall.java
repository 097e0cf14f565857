package io.runstream.worker.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A tool call being streamed by a provider: its id and name (as the provider names the tool), the
 * arguments' JSON fragments so far, and whether its start was reported.
 */
public final class PendingToolCall {
  private String id;
  private String name;
  private final StringBuilder arguments = new StringBuilder();
  private boolean started;

  public PendingToolCall() {}

  public PendingToolCall(String id, String name) {
    this.id = id;
    this.name = name;
  }

  /**
   * Takes what a fragment says: any of id, name and more arguments (nulls are left as they were).
   */
  public void add(String id, String name, String arguments) {
    if (id != null) {
      this.id = id;
    }
    if (name != null) {
      this.name = name;
    }
    if (arguments != null) {
      this.arguments.append(arguments);
    }
  }

  /** Reports the call's start once its id and name are known; true the first time only. */
  public boolean startable() {
    if (started || id == null || name == null) {
      return false;
    }
    started = true;
    return true;
  }

  /**
   * The complete call, with the run's tool name and the id {@code fallbackId} when the provider
   * gave none.
   */
  public LlmRequest.ToolCall complete(ToolNames names, String fallbackId) {
    return new LlmRequest.ToolCall(
        id == null ? fallbackId : id,
        names.run(name == null ? "" : name),
        ProviderFailures.arguments(arguments.toString()));
  }

  /**
   * Every call of a step, complete, in order; calls without an id get {@code idPrefix} and their
   * position.
   */
  public static List<LlmRequest.ToolCall> completeAll(
      Collection<PendingToolCall> calls, ToolNames names, String idPrefix) {
    List<LlmRequest.ToolCall> complete = new ArrayList<>();
    for (PendingToolCall call : calls) {
      complete.add(call.complete(names, idPrefix + complete.size()));
    }
    return complete;
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }
}
