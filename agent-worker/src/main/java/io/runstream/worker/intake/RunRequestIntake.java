package io.runstream.worker.intake;

import io.micrometer.tracing.Span;
import io.runstream.core.failure.DeadLetters;
import io.runstream.core.failure.Failures;
import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.ToolApprovalStore;
import io.runstream.core.tracing.RunTracing;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.schemas.Topics;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.control.RunStops;
import io.runstream.worker.run.AgentRunner;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/** The worker's consumer loop over {@code runstream.run-requests}. */
@Component
public class RunRequestIntake extends ConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(RunRequestIntake.class);
  private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);

  private final KafkaClients clients;
  private final RunStore runs;
  private final ToolApprovalStore approvals;
  private final AgentRunner runner;
  private final RunStops stops;
  private final WorkerProperties properties;
  private final String workerId;
  private final String nodePrefix;
  private final Semaphore capacity;
  private final Set<UUID> active = ConcurrentHashMap.newKeySet();
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> deadLetters;
  private Thread leases;
  private ExecutorService executor;

  private final RunTracing tracing;

  public RunRequestIntake(
      KafkaClients clients,
      RunStore runs,
      ToolApprovalStore approvals,
      AgentRunner runner,
      RunStops stops,
      WorkerProperties properties,
      RunTracing tracing,
      @Value("${runstream.worker.node-id:}") String nodeId) {
    super("run-request-intake", Duration.ofSeconds(10));
    this.tracing = tracing;
    this.stops = stops;
    this.clients = clients;
    this.runs = runs;
    this.approvals = approvals;
    this.runner = runner;
    this.properties = properties;
    this.capacity = new Semaphore(properties.maxConcurrentRuns());
    this.nodePrefix = nodeId == null || nodeId.isBlank() ? null : nodeId.strip() + "/";
    String random = UUID.randomUUID().toString().substring(0, 8);
    this.workerId = nodePrefix == null ? hostName() + "-" + random : nodePrefix + random;
  }

  /** This worker's id, as written into the runs it claims. */
  public String workerId() {
    return workerId;
  }

  /**
   * The start of the ids of every process of this worker's node ({@code runstream.worker.node-id}
   * and a slash), or null where no node id is set. A node id names one worker that comes back under
   * the same name after a restart (the embedded default's): a run whose worker id starts with it
   * but is not {@link #workerId()} was held by a previous process of this node, which is gone.
   * Host-name ids (no node id) never contain a slash.
   */
  public String nodePrefix() {
    return nodePrefix;
  }

  @Override
  protected boolean enabled() {
    return properties.enabled();
  }

  /** A worker that takes no run requests is not ready. */
  @Override
  protected String readinessName() {
    return "runRequestIntake";
  }

  @Override
  protected KafkaConsumer<byte[], byte[]> openConsumer() {
    return clients.rawConsumer("worker", properties.groupId(), Map.of("max.poll.records", 200));
  }

  /** The threads runs run on ({@code runstream.worker.run-threads}). */
  static ThreadFactory runThreads(WorkerProperties.RunThreads kind) {
    return kind == WorkerProperties.RunThreads.PLATFORM
        ? Thread.ofPlatform().name("run-", 0).daemon().factory()
        : Thread.ofVirtual().name("run-", 0).factory();
  }

  @Override
  protected void afterOpen(KafkaConsumer<byte[], byte[]> opened) {
    consumer = opened;
    executor = Executors.newThreadPerTaskExecutor(runThreads(properties.runThreads()));
    deadLetters =
        clients.producer(
            "worker-dlt", Topics.RUN_REQUESTS_DLT.key(), Topics.RUN_REQUESTS_DLT.value(), Map.of());
    consumer.subscribe(List.of(Topics.RUN_REQUESTS.name()));
    leases = Thread.ofVirtual().name("run-leases").start(this::renewLeases);
    LOG.info(
        "Agent worker {} consuming {} as group {}",
        workerId,
        Topics.RUN_REQUESTS.name(),
        properties.groupId());
  }

  @Override
  protected void loop(KafkaConsumer<byte[], byte[]> ignored) throws InterruptedException {
    while (running()) {
      try {
        pollOnce();
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        // A rebalance or a broker hiccup: the next poll rejoins; claims make redelivered requests
        // harmless.
        LOG.warn("Run request intake: {}; going on", e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("Run request intake failed; going on after a pause", e);
        Thread.sleep(RETRY_BACKOFF.toMillis());
      }
    }
  }

  private void pollOnce() throws InterruptedException {
    if (capacity.availablePermits() == 0) {
      consumer.pause(consumer.assignment());
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
    polled();
    if (records.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
    boolean retryLater = false;
    for (TopicPartition partition : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        boolean taken;
        try {
          taken = take(record);
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          LOG.warn(
              "Run request at {}-{}@{} could not be taken now: {}",
              record.topic(),
              record.partition(),
              record.offset(),
              e.toString());
          taken = false;
        }
        if (!taken) {
          // At capacity or the database is unavailable: come back to this record later.
          consumer.seek(partition, record.offset());
          retryLater = true;
          break;
        }
        done.put(partition, new OffsetAndMetadata(record.offset() + 1));
      }
    }
    if (!done.isEmpty()) {
      consumer.commitSync(done);
    }
    if (retryLater) {
      Thread.sleep(RETRY_BACKOFF.toMillis());
    }
  }

  /**
   * Sets a request aside on the dead-letter topic; false if that failed (the record is retried
   * later).
   */
  private boolean setAside(ConsumerRecord<byte[], byte[]> record, Exception failure)
      throws InterruptedException {
    try {
      deadLetters.send(DeadLetters.of(Topics.RUN_REQUESTS_DLT.name(), record, failure)).get();
      return true;
    } catch (ExecutionException failed) {
      LOG.warn("Cannot set the request aside yet: {}", failed.getCause().getMessage());
      return false;
    }
  }

  /** Takes one record; false if it must be retried later. */
  private boolean take(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
    RunRequested request;
    try {
      request =
          EventJson.read(record.value() == null ? new byte[0] : record.value(), RunRequested.class);
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "Poison run request at {}-{}@{}: {}; set aside to {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage(),
          Topics.RUN_REQUESTS_DLT.name());
      return setAside(record, e);
    }
    if (!capacity.tryAcquire()) {
      return false;
    }
    RunStore.Claim claim;
    ToolApprovalStore.Resumed resumed = null;
    try {
      claim = runs.claim(request.runId(), workerId, properties.lease());
      if (claim == RunStore.Claim.NOT_CLAIMED) {
        // A parked run whose approvals were answered (or timed out, or whose stop was asked) is
        // published again: this worker goes on with it (issue #27 item 4).
        resumed = approvals.claim(request.runId(), workerId, properties.lease()).orElse(null);
        if (resumed != null) {
          claim =
              resumed.stopRequested()
                  ? RunStore.Claim.CLAIMED_STOP_REQUESTED
                  : RunStore.Claim.CLAIMED;
        }
      }
    } catch (DataAccessException e) {
      capacity.release();
      if (Failures.retriable(e)) {
        LOG.warn("Cannot claim run {} now (database): {}", request.runId(), e.getMessage());
        return false;
      }
      // The database refuses this request for good (it would be refused at every redelivery): set
      // it aside.
      LOG.warn(
          "Run {} cannot be claimed ({}); set aside to {}",
          request.runId(),
          e.getMessage(),
          Topics.RUN_REQUESTS_DLT.name());
      return setAside(record, e);
    }
    if (claim == RunStore.Claim.NOT_CLAIMED) {
      capacity.release();
      LOG.debug(
          "Run {} is already claimed or ended; skipping the redelivered request", request.runId());
      return true;
    }
    active.add(request.runId());
    RunStops.Stop stop =
        stops.register(
            request.runId(),
            claim == RunStore.Claim.CLAIMED_STOP_REQUESTED ? "stopped by the user" : null);
    // The run's span: a child of the request that started it (the record's traceparent), current on
    // the run's
    // thread, so that the chunks it produces carry it on.
    Span span = tracing.start("runstream.run", record.headers());
    if (span != null) {
      span.tag("runstream.run_id", request.runId().toString());
      span.tag("runstream.session_id", request.sessionId().toString());
    }
    ToolApprovalStore.Resumed going = resumed;
    try {
      executor.execute(
          () -> {
            try (AutoCloseable scope = tracing.inScope(span)) {
              runner.run(request, stop, workerId, going);
            } catch (Exception e) {
              if (e instanceof RuntimeException runtime) {
                throw runtime;
              }
              LOG.warn("Run {}: {}", request.runId(), e.toString());
            } finally {
              if (span != null) {
                span.end();
              }
              stops.unregister(request.runId());
              active.remove(request.runId());
              capacity.release();
            }
          });
    } catch (RuntimeException e) {
      // Claimed but not started (the executor is shutting down): the lease reaper ends the run.
      if (span != null) {
        span.end();
      }
      stops.unregister(request.runId());
      active.remove(request.runId());
      capacity.release();
      LOG.warn("Run {} claimed but not started: {}", request.runId(), e.toString());
    }
    return true;
  }

  private void renewLeases() {
    long period = Math.max(1000, properties.lease().toMillis() / 3);
    while (running()) {
      try {
        Thread.sleep(period);
        List<UUID> held = new ArrayList<>(active);
        runs.renewLeases(workerId, held, properties.lease());
        for (UUID stopped : runs.stopRequestedAmong(held)) {
          stops.request(stopped, "stopped by the user");
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("Lease renewal failed: {}", e.getMessage());
      }
    }
  }

  @Override
  protected void afterStop() {
    try {
      executor.shutdown();
      if (!executor.awaitTermination(
          properties.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        // The grace is over: every run still going ends now (failed, retryable), wherever it waits.
        stops.shutdown();
        executor.awaitTermination(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    leases.interrupt();
    deadLetters.close(Duration.ofSeconds(5));
  }

  @Override
  public int getPhase() {
    // Stop before the producers and the database pool go away.
    return Integer.MAX_VALUE - 100;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "worker";
    }
  }
}
