package io.runstream.sink.lag;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.core.kafka.KafkaClients;
import io.runstream.sink.SinkProperties;
import io.runstream.sink.usage.UsageProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Measures, every {@code runstream.sink.group-lag-interval} (15 s), how many records each Runstream
 * consumer group (name starting with {@code runstream}: workers, sinks, the usage roll-ups and
 * their writer) has still to read: the sum over its partitions of the log end offset minus its
 * committed offset. Gauge {@code runstream.kafka.consumer.group.lag{group}}; the sink's own group
 * is there from the start (NaN until measured). The fan-out nodes read without a group and report
 * their own lag ({@code runstream.fanout.consumer.lag}).
 */
@Component
public class GroupLag implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(GroupLag.class);

  private final KafkaClients clients;
  private final MeterRegistry meters;
  private final SinkProperties sink;
  private final Duration interval;
  private final Map<String, Double> lags = new ConcurrentHashMap<>();
  private volatile Thread thread;

  public GroupLag(
      KafkaClients clients, MeterRegistry meters, SinkProperties sink, UsageProperties usage) {
    this.clients = clients;
    this.meters = meters;
    this.sink = sink;
    this.interval = sink.groupLagInterval();
    register(sink.groupId());
    if (usage.enabled()) {
      register(usage.applicationId());
      register(usage.writerGroupId());
    }
  }

  private void register(String group) {
    if (lags.putIfAbsent(group, Double.NaN) == null) {
      Gauge.builder(
              "runstream.kafka.consumer.group.lag", lags, m -> m.getOrDefault(group, Double.NaN))
          .description(
              "records a consumer group has still to read (log end minus committed offset, all partitions)")
          .tag("group", group)
          .register(meters);
    }
  }

  @Override
  public synchronized void start() {
    if (thread != null || !sink.enabled()) {
      return;
    }
    thread = Thread.ofPlatform().daemon().name("group-lag").start(this::run);
  }

  @Override
  public synchronized void stop() {
    Thread running = thread;
    thread = null;
    if (running != null) {
      running.interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return thread != null;
  }

  private void run() {
    try (Admin admin = clients.admin("group-lag")) {
      while (thread == Thread.currentThread()) {
        try {
          measure(admin);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
          LOG.debug("Consumer group lag not measured: {}", e.getMessage());
        }
        Thread.sleep(interval.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Measures every Runstream group's lag once. */
  void measure(Admin admin) throws ExecutionException, TimeoutException, InterruptedException {
    Set<String> groups = new HashSet<>();
    for (GroupListing listing :
        admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get(10, TimeUnit.SECONDS)) {
      if (listing.groupId().startsWith("runstream")) {
        groups.add(listing.groupId());
      }
    }
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      committed.forEach(
          (partition, offset) -> {
            if (offset != null) {
              latest.put(partition, OffsetSpec.latest());
            }
          });
      long lag = 0;
      if (!latest.isEmpty()) {
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
            admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end :
            ends.entrySet()) {
          lag += Math.max(0, end.getValue().offset() - committed.get(end.getKey()).offset());
        }
      }
      register(group);
      lags.put(group, (double) lag);
    }
  }
}
