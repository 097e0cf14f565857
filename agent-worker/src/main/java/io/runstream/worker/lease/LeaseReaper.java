package io.runstream.worker.lease;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.RunTopics;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.intake.RunRequestIntake;
import io.runstream.worker.run.ChunkSender;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Ends runs whose worker is gone (its lease expired): {@code error {code: worker_lost, retryable:
 * true}} then {@code run.finished failed}, produced like any chunk so readers, the sink and
 * analytics see the end.
 *
 * <p>As a worker does (issue #27, "read your own end"), the reaper stores the end first (the run
 * {@code failed} with its error, last event id and {@code finished_at}, the agent message {@code
 * failed}) and commits it, then produces the two chunks: whoever has read them finds the run ended.
 * If the broker does not take them, the stored end stands and readers are given the end the run's
 * row tells once it is overdue (the fan-out's {@code RunReader}).
 *
 * <p>The two chunks take seqs {@value #FENCE} past the last chunk in the log: output the lost
 * worker produced but the sink had not logged yet keeps its own seqs, and whatever it produces
 * after the end is discarded (the fan-out and the sink drop chunks of ended runs). Every worker
 * runs a reaper; a row lock with SKIP LOCKED and a fresh lease for the reaper keep two from ending
 * the same run.
 *
 * <p>A worker with a node id ({@code runstream.worker.node-id}: the embedded default's one worker)
 * also ends, as soon as it starts, the runs that a previous process of its node held: that process
 * is gone (it is this one's predecessor), so nothing renews their leases and no reader should wait
 * for them to expire.
 */
@Component
public class LeaseReaper implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseReaper.class);

  /** How far past the last logged chunk the reaper's chunks are numbered. */
  public static final long FENCE = 100_000;

  private static final int BATCH = 50;

  private final RunStore runs;
  private final MessageStore messages;
  private final ChunkSender sender;
  private final RunTopics topics;
  private final TransactionTemplate tx;
  private final WorkerProperties properties;
  private final String reaperId;
  private final String workerId;
  private final String nodePrefix;
  private final JdbcClient jdbc;
  private volatile boolean running;
  private volatile long lastFailureNanos;
  private Thread loop;

  private final Counter reaped;

  public LeaseReaper(
      RunStore runs,
      MessageStore messages,
      ChunkSender sender,
      RunTopics topics,
      TransactionTemplate tx,
      WorkerProperties properties,
      RunRequestIntake intake,
      JdbcClient jdbc,
      MeterRegistry meters) {
    this.reaped =
        Counter.builder("runstream.worker.runs.reaped")
            .description(
                "runs ended by the lease reaper because their worker was lost (stuck runs)")
            .register(meters);
    this.runs = runs;
    this.messages = messages;
    this.topics = topics;
    this.sender = sender;
    this.tx = tx;
    this.properties = properties;
    this.workerId = intake.workerId();
    this.nodePrefix = intake.nodePrefix();
    this.jdbc = jdbc;
    this.lastFailureNanos = System.nanoTime() - properties.lease().toNanos() - 1;
    this.reaperId = "reaper:" + intake.workerId();
  }

  @Override
  public synchronized void start() {
    if (running || !properties.enabled()) {
      return;
    }
    running = true;
    loop = Thread.ofVirtual().name("lease-reaper").start(this::reapLoop);
  }

  private void reapLoop() {
    boolean predecessorsReaped = nodePrefix == null;
    while (running) {
      try {
        if (!predecessorsReaped) {
          try {
            int ended = reapPredecessors();
            predecessorsReaped = true;
            if (ended > 0) {
              LOG.warn(
                  "Ended {} run(s) that a previous process of this node ({}) held when it ended",
                  ended,
                  nodePrefix.substring(0, nodePrefix.length() - 1));
              reaped.increment(ended);
            }
          } catch (RuntimeException e) {
            // Tried again after the interval.
            lastFailureNanos = System.nanoTime();
            LOG.warn("Lease reaper (runs of this node's previous process): {}", e.getMessage());
          }
        }
        Thread.sleep(properties.reapInterval().toMillis());
        // After this worker could not reach the database, its peers may not have renewed their
        // leases either:
        // wait one lease before judging anyone lost.
        if (System.nanoTime() - lastFailureNanos < properties.lease().toNanos()) {
          continue;
        }
        int ended = reapOnce();
        if (ended > 0) {
          LOG.warn("Ended {} run(s) whose worker was lost", ended);
          reaped.increment(ended);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        lastFailureNanos = System.nanoTime();
        LOG.warn("Lease reaper: {}", e.getMessage());
      }
    }
  }

  /** Ends the runs whose lease has expired; returns how many. */
  public int reapOnce() {
    List<Reaped> ended = tx.execute(status -> reapInTransaction());
    return produceEnds(ended);
  }

  /**
   * Ends the runs held by a previous process of this node (their worker id, or their reaper's,
   * starts with the node's prefix and is not this process's), whatever their lease; then, like
   * {@link #reapOnce()}, the expired ones. Returns how many; 0 where this worker has no node id.
   */
  public int reapPredecessors() {
    if (nodePrefix == null) {
      return 0;
    }
    List<Reaped> ended =
        tx.execute(
            status -> {
              // now() is the transaction's start: the leases taken away here are expired for the
              // reap below.
              jdbc.sql(
                      """
              UPDATE runs SET lease_expires_at = now() - interval '1 millisecond'
              WHERE status = 'running' AND worker_id <> :self AND worker_id <> :reaper
                AND (starts_with(worker_id, :prefix) OR starts_with(worker_id, :reaperPrefix))""")
                  .param("self", workerId)
                  .param("reaper", reaperId)
                  .param("prefix", nodePrefix)
                  .param("reaperPrefix", "reaper:" + nodePrefix)
                  .update();
              List<Reaped> all = new ArrayList<>();
              List<Reaped> batch;
              do {
                batch = reapInTransaction();
                all.addAll(batch);
              } while (batch.size() == BATCH);
              return all;
            });
    return produceEnds(ended);
  }

  /** A run ended in the store, whose end is then produced. */
  private record Reaped(RunStore.ExpiredRun run, String topic, long seq, Instant at) {}

  private static final ChunkData.Error WORKER_LOST =
      new ChunkData.Error(
          ChunkData.Error.WORKER_LOST, "The worker running this run was lost; run it again.", true);

  /**
   * Ends the expired runs in the store (committed with the caller's transaction), before their end
   * is produced.
   */
  private List<Reaped> reapInTransaction() {
    List<RunStore.ExpiredRun> expired =
        runs.lockExpiredLeases(BATCH, workerId, reaperId, properties.lease());
    List<Reaped> reaped = new ArrayList<>();
    String error = EventJson.MAPPER.writeValueAsString(EventJson.dataTree(WORKER_LOST));
    for (RunStore.ExpiredRun run : expired) {
      long seq = Math.max(run.lastLoggedSeq(), run.seqBase() - 1) + FENCE;
      Instant now = Instant.now();
      // The lost worker may have died before it created the run's own topic.
      String topic = Topics.chunkTopicOf(run.chunkTopic());
      topics.ensure(topic, Duration.ofSeconds(10));
      runs.finish(run.id(), RunStatus.FAILED, seq + 1, "error", error, null, null, now);
      if (run.agentMessageId() != null) {
        messages.finish(run.agentMessageId(), "failed", null, null, now);
      }
      reaped.add(new Reaped(run, topic, seq, now));
    }
    return reaped;
  }

  /** Produces the ends stored by {@link #reapInTransaction}; returns how many runs were ended. */
  private int produceEnds(List<Reaped> reaped) {
    if (reaped == null) {
      return 0;
    }
    for (Reaped ended : reaped) {
      RunStore.ExpiredRun run = ended.run();
      try {
        send(
            ended.topic(),
            RunChunk.of(run.id(), run.sessionId(), ended.seq(), ended.at(), null, WORKER_LOST));
        send(
            ended.topic(),
            RunChunk.of(
                run.id(),
                run.sessionId(),
                ended.seq() + 1,
                ended.at(),
                null,
                new ChunkData.RunFinished("failed", "error")
                    .attributed(
                        run.orgId(),
                        run.userId(),
                        new RunRequested.ModelRef(run.modelProvider(), run.modelId()))));
      } catch (RuntimeException e) {
        LOG.warn(
            "Run {} ended (worker lost), but its end could not be produced ({}); readers get it from its row",
            run.id(),
            e.getMessage());
      }
    }
    return reaped.size();
  }

  private void send(String topic, RunChunk chunk) {
    try {
      sender.send(topic, chunk, (metadata, e) -> {}).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot produce the end of run " + chunk.runId() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void stop() {
    running = false;
    if (loop != null) {
      loop.interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
