package io.runstream.worker;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The agent worker's configuration ({@code runstream.worker}).
 *
 * @param enabled whether this process consumes run requests
 * @param groupId the consumer group of all workers
 * @param maxConcurrentRuns most runs one worker runs at once; consumption pauses above it
 * @param lease how long a claimed run is this worker's without renewal
 * @param historyMessages how many earlier transcript messages the model sees
 * @param shutdownGrace how long running runs may go on when the worker stops, before they end as
 *     failed
 * @param simulatedTokensPerSecond the simulated model's default pace
 * @param reapInterval how often this worker looks for runs whose worker was lost (lease expired)
 * @param maxSteps most model steps of one run (each step after the first answers tool calls)
 * @param clientToolTimeout how long a run waits for a client tool's result before the call fails
 * @param stageUpdates whether runs report their transitions (thinking, reading a file, calling a
 *     tool, writing) as {@code stage} chunks
 * @param maxRunDuration longest a run may take from its claim; a run still going then ends {@code
 *     failed} with the error {@code run_timeout}, wherever it waits (a model, a tool, a client
 *     tool)
 * @param approvalTimeout how long a run waits for a tool call's approval (issue #27); a call not
 *     answered by then is denied and the model is told so. The run waits parked: no worker holds it
 * @param needsApproval the server and MCP tools whose calls wait for a person's approval before
 *     they run: tool names ({@code memory.store}), or {@code <server>.*} for every tool of an MCP
 *     server
 * @param runThreads what each run runs on: {@code virtual} threads (the default), the fewest
 *     resources per run, sharing the carriers with every request of the node; or {@code platform}
 *     threads, scheduled by the operating system beside the node's other work, so that a run's
 *     tokens keep their pace while the carriers are busy, at the expense of the requests: on a node
 *     that also serves streams (the embedded default), a storm of reconnecting readers then leaves
 *     the live streams' pace alone and is served more slowly (docs/benchmarks.md, issue #25)
 */
@Validated
@ConfigurationProperties("runstream.worker")
public record WorkerProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("runstream-agent-worker") @NotBlank String groupId,
    @DefaultValue("2000") @Min(1) int maxConcurrentRuns,
    @DefaultValue("30s") Duration lease,
    @DefaultValue("20") @Min(0) int historyMessages,
    @DefaultValue("5s") Duration shutdownGrace,
    @DefaultValue("50") double simulatedTokensPerSecond,
    @DefaultValue("5s") Duration reapInterval,
    @DefaultValue("8") @Min(1) int maxSteps,
    @DefaultValue("5m") Duration clientToolTimeout,
    @DefaultValue("true") boolean stageUpdates,
    @DefaultValue("30m") Duration maxRunDuration,
    @DefaultValue("10m") Duration approvalTimeout,
    @DefaultValue List<String> needsApproval,
    @DefaultValue("virtual") RunThreads runThreads) {

  /** What runs run on ({@link #runThreads}). */
  public enum RunThreads {
    PLATFORM,
    VIRTUAL
  }

  public WorkerProperties {
    needsApproval = needsApproval == null ? List.of() : List.copyOf(needsApproval);
    runThreads = runThreads == null ? RunThreads.VIRTUAL : runThreads;
  }

  /**
   * Whether calls of the server tool {@code name} wait for an approval ({@link #needsApproval}).
   */
  public boolean needsApproval(String name) {
    for (String pattern : needsApproval) {
      if (pattern.equals(name)
          || (pattern.endsWith(".*")
              && name.startsWith(pattern.substring(0, pattern.length() - 1)))) {
        return true;
      }
    }
    return false;
  }
}
