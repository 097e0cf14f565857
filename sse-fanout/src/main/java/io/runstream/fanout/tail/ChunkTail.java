package io.runstream.fanout.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.kafka.ConsumerLoop;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.fanout.FanoutProperties;
import io.runstream.fanout.hot.HotRuns;
import io.runstream.fanout.hot.Wakes;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import io.runstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Consumes every partition of the chunk topic once for this node (no consumer group: every node
 * sees every chunk) and appends to the hot tier; in the per-run-topic layout also every live run's
 * own topic, found by listing topics every {@code runstream.chunks.discovery-interval} and assigned
 * directly (no group, no rebalance). A chunk that cannot be read is skipped here; the sink sets it
 * aside.
 */
@Component
public class ChunkTail extends ConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkTail.class);
  private static final long EXPIRE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long AWAITED_DISCOVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * How long a reader's wait for a topic makes the node list topics every few milliseconds: long
   * enough for a run to start (its topic is ready 35 ms after the claim unloaded), short enough
   * that readers of runs that are queued or never start do not keep the node listing every topic
   * 200 times a second; regular discovery covers the rest.
   */
  private static final long AWAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final KafkaClients clients;
  private final HotRuns hot;
  private final FanoutProperties properties;
  private final Timer endToEnd;
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
  private final ChunkLayout layout;
  private final Counter discovered;
  private volatile int runTopicCount;
  private final Queue<String> followRequests = new ConcurrentLinkedQueue<>();

  public ChunkTail(
      KafkaClients clients,
      HotRuns hot,
      FanoutProperties properties,
      ChunkLayout layout,
      MeterRegistry meters) {
    super("chunk-tail", Duration.ofSeconds(10));
    this.layout = layout;
    this.discovered = meters.counter("runstream.fanout.run-topics.discoveries");
    Gauge.builder("runstream.fanout.run-topics.tailed", this, t -> t.runTopicCount)
        .description("per-run-topic layout: run topics this node fetches (live runs)")
        .register(meters);
    this.clients = clients;
    this.hot = hot;
    this.properties = properties;
    this.endToEnd =
        Timer.builder("runstream.fanout.consume.latency")
            .description("chunk produce timestamp to consumed by this node")
            .publishPercentileHistogram()
            .publishPercentiles(0.5, 0.99)
            .register(meters);
    Gauge.builder(
            "runstream.fanout.consumer.lag",
            lag,
            m -> m.values().stream().mapToLong(Long::longValue).sum())
        .register(meters);
  }

  /** A node whose tail is dead would serve readers nothing new: it is not ready. */
  @Override
  protected String readinessName() {
    return "chunkTail";
  }

  @Override
  protected KafkaConsumer<byte[], byte[]> openConsumer() {
    return clients.rawConsumer(
        "fanout",
        null,
        Map.of(
            "fetch.max.wait.ms",
            (int)
                (layout.perRunTopics()
                    ? Math.min(10, properties.fetchMaxWait().toMillis())
                    : properties.fetchMaxWait().toMillis()),
            "max.poll.records",
            2000,
            "max.partition.fetch.bytes",
            4 * 1024 * 1024));
  }

  @Override
  protected void loop(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException {
    Tracked tracked = new Tracked(consumer);
    List<TopicPartition> shared = assignAll(consumer, Topics.RUN_CHUNKS.name());
    if (shared.isEmpty()) {
      return;
    }
    tracked.shared.addAll(shared);
    if (layout.perRunTopics()) {
      tracked.discover(true);
    }
    tracked.apply();
    position(consumer, new ArrayList<>(consumer.assignment()), tracked);
    LOG.info(
        "Fan-out node tailing {} ({} partitions){}",
        Topics.RUN_CHUNKS.name(),
        shared.size(),
        layout.perRunTopics() ? " and " + tracked.runTopics.size() + " live per-run topics" : "");
    long lastExpire = System.nanoTime();
    long lastDiscovery = System.nanoTime();
    long discoveryNanos = layout.discoveryInterval().toNanos();
    while (running()) {
      long wait = TimeUnit.MILLISECONDS.toNanos(100);
      if (layout.perRunTopics()) {
        // While a reader waits for a run whose topic is not there yet, look every few milliseconds.
        if (System.nanoTime() - lastDiscovery >= tracked.discoveryNanos(discoveryNanos)) {
          lastDiscovery = System.nanoTime();
          tracked.discover(false);
        }
        String wanted;
        while ((wanted = followRequests.poll()) != null) {
          tracked.follow(wanted);
        }
        tracked.apply();
        wait = tracked.discoveryNanos(discoveryNanos);
      }
      ConsumerRecords<byte[], byte[]> records;
      try {
        records = consumer.poll(Duration.ofNanos(wait));
        polled();
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        LOG.warn("Chunk tail poll failed ({}); retrying", e.getMessage());
        Thread.sleep(500);
        continue;
      }
      long now = System.currentTimeMillis();
      // The suspended readers these records wake are written once the poll is buffered (ADR 0022).
      Wakes.begin();
      try {
        buffer(records, now, tracked);
      } finally {
        Wakes.end();
      }
      tracked.apply();
      if (System.nanoTime() - lastExpire > EXPIRE_EVERY_NANOS) {
        lastExpire = System.nanoTime();
        hot.expire();
        lag.keySet().retainAll(consumer.assignment());
        for (TopicPartition partition : consumer.assignment()) {
          consumer.currentLag(partition).ifPresent(l -> lag.put(partition, l));
        }
      }
    }
  }

  /**
   * What this node fetches: the shared topic's partitions and, in the per-run-topic layout, the
   * topics of live runs. A per-run topic is added when it appears (read from its start) and dropped
   * once its run's end was read, never to be added again.
   */
  private final class Tracked {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> shared = new ArrayList<>();
    private final Set<String> runTopics = new HashSet<>();

    /** Topics whose run's end was read: nothing more will come. */
    private final Set<String> ended = new HashSet<>();

    /**
     * Topics with nothing written in the look-back when this node started: fetched only if a reader
     * asks.
     */
    private final Set<String> dormant = new HashSet<>();

    private Set<String> listed = Set.of();

    /**
     * Topics readers wait for that did not exist at the last listing, with when to stop looking.
     */
    private final Map<String, Long> awaited = new HashMap<>();

    private final Set<String> added = new HashSet<>();
    private boolean changed;

    Tracked(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    /**
     * Looks for new per-run topics; on the first call they are positioned by look-back, later from
     * the start.
     */
    void discover(boolean first) {
      Set<String> existing;
      try {
        existing = consumer.listTopics(Duration.ofSeconds(5)).keySet();
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        LOG.warn("Looking for new run topics failed ({}); trying again", e.getMessage());
        return;
      }
      listed = existing;
      long now = System.nanoTime();
      awaited.entrySet().removeIf(e -> existing.contains(e.getKey()) || now - e.getValue() > 0);
      for (String topic : existing) {
        if (Topics.RUN_TOPIC.matcher(topic).matches()
            && !runTopics.contains(topic)
            && !ended.contains(topic)
            && !dormant.contains(topic)) {
          runTopics.add(topic);
          if (!first) {
            added.add(topic);
          }
          changed = true;
        }
      }
      // Deleted topics (past retention) are neither fetched nor remembered.
      ended.retainAll(existing);
      dormant.retainAll(existing);
      if (runTopics.removeIf(topic -> !existing.contains(topic))) {
        changed = true;
      }
      discovered.increment();
    }

    /**
     * How long until the next listing: {@code regular}, or a few milliseconds while a reader awaits
     * a topic.
     */
    long discoveryNanos(long regular) {
      return awaited.isEmpty() ? regular : Math.min(regular, AWAITED_DISCOVERY_NANOS);
    }

    /**
     * A reader wants a live run: its topic is fetched from the start unless it is already, or has
     * ended.
     */
    void follow(String topic) {
      if (!listed.contains(topic)) {
        // Not created yet (the worker is about to): looked for often until it appears, for up to 2
        // s.
        awaited.put(topic, System.nanoTime() + AWAIT_NANOS);
        return;
      }
      if (!runTopics.contains(topic) && !ended.contains(topic)) {
        dormant.remove(topic);
        runTopics.add(topic);
        added.add(topic);
        changed = true;
      }
    }

    void end(String topic) {
      if (runTopics.remove(topic)) {
        ended.add(topic);
        changed = true;
      }
    }

    void sleep(String topic) {
      if (runTopics.remove(topic)) {
        dormant.add(topic);
        changed = true;
      }
    }

    /**
     * Applies changes to the consumer's assignment; new run topics are read from their first
     * record.
     */
    void apply() {
      if (!changed) {
        return;
      }
      changed = false;
      List<TopicPartition> assignment = new ArrayList<>(shared);
      runTopics.forEach(topic -> assignment.add(new TopicPartition(topic, 0)));
      consumer.assign(assignment);
      if (!added.isEmpty()) {
        // Offset 0 directly: a new run topic starts there, and it spares a ListOffsets round trip
        // (measured: the
        // first record arrived 13 ms sooner); a topic emptied by Kafka's own retention resets to
        // its earliest.
        added.forEach(topic -> consumer.seek(new TopicPartition(topic, 0), 0));
        added.clear();
      }
      runTopicCount = runTopics.size();
    }
  }

  /**
   * Starts {@code start-lookback} back, to warm memory with runs that began just before this node.
   * A per-run topic with nothing written in that time is most likely a finished run: it is not
   * fetched unless a reader of a live run asks for it ({@link #follow}).
   */
  private void position(
      KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Tracked tracked) {
    long since = System.currentTimeMillis() - properties.startLookback().toMillis();
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(p -> query.put(p, since));
    Map<TopicPartition, OffsetAndTimestamp> found =
        consumer.offsetsForTimes(query, Duration.ofSeconds(30));
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp at = found.get(partition);
      if (at == null && tracked.runTopics.contains(partition.topic())) {
        tracked.sleep(partition.topic());
        continue;
      }
      consumer.seek(partition, at != null ? at.offset() : ends.get(partition));
    }
    tracked.apply();
  }

  /**
   * Asks this node to fetch a live run's own topic (per-run-topic layout), from its start, if it
   * does not already: a reader is waiting for the run. Topics that do not exist yet are found by
   * discovery when they appear.
   */
  public void follow(String topic) {
    if (layout.perRunTopics() && Topics.RUN_TOPIC.matcher(topic).matches()) {
      followRequests.add(topic);
    }
  }

  /** Buffers one poll's records in memory (each wakes the run's readers). */
  private void buffer(ConsumerRecords<byte[], byte[]> records, long now, Tracked tracked) {
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        RunChunk chunk = EventJson.readChunk(value);
        hot.append(chunk, value.length);
        endToEnd.record(Math.max(0, now - record.timestamp()), TimeUnit.MILLISECONDS);
        if (chunk.terminal() && tracked.runTopics.contains(record.topic())) {
          // The run's own topic holds nothing after its end: stop fetching it.
          tracked.end(record.topic());
        }
      } catch (IllegalArgumentException e) {
        LOG.warn(
            "Skipping unreadable chunk at {}-{}@{}: {}",
            record.topic(),
            record.partition(),
            record.offset(),
            e.getMessage());
      } catch (RuntimeException e) {
        LOG.error(
            "Chunk at {}-{}@{} could not be buffered",
            record.topic(),
            record.partition(),
            record.offset(),
            e);
      }
    }
  }
}
