package io.runstream.core.kafka;

import io.runstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Creates and deletes the per-run chunk topics of the {@code per-run-topic} layout. A topic is
 * ready only once the broker hosts its partition (a leader and an in-sync replica): records
 * produced before that were lost in a probe, so {@link #ensure} waits for it.
 */
@Component
public class RunTopics implements DisposableBean {
  private static final Logger LOG = LoggerFactory.getLogger(RunTopics.class);
  private static final long POLL_MS = 5;

  private final KafkaClients clients;
  private final ChunkLayout layout;
  private volatile Admin admin;

  public RunTopics(KafkaClients clients, ChunkLayout layout) {
    this.clients = clients;
    this.layout = layout;
  }

  /**
   * Creates the run's topic unless it exists, and waits until the broker hosts its partition;
   * retried until {@code timeout} (a broker restarting). The shared topic is always there: nothing
   * to do. Concurrent calls are batched: one create request and one describe request per round for
   * every topic waiting (polling the broker once per topic and per round collapsed under a few
   * hundred concurrent run starts).
   *
   * @throws IllegalStateException if the topic is not ready in time
   */
  public void ensure(String topic, Duration timeout) {
    if (Topics.RUN_CHUNKS.name().equals(topic)) {
      return;
    }
    if (!Topics.RUN_TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException("not a per-run chunk topic: " + topic);
    }
    Waiting waiting = new Waiting(topic, System.nanoTime() + timeout.toNanos());
    synchronized (this) {
      startPreparer();
      incoming.add(waiting);
      notifyAll();
    }
    try {
      waiting.done.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "topic " + topic + " not ready after " + timeout, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("topic " + topic + " not ready after " + timeout, e);
    }
  }

  /** A topic some run waits for. */
  private static final class Waiting {
    final String topic;
    final long deadline;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    boolean created;
    Exception last;

    Waiting(String topic, long deadline) {
      this.topic = topic;
      this.deadline = deadline;
    }
  }

  private final List<Waiting> incoming = new ArrayList<>();
  private Thread preparer;
  private volatile boolean closed;

  private void startPreparer() {
    if (preparer == null) {
      preparer = Thread.ofPlatform().daemon().name("run-topics").start(this::prepareLoop);
    }
  }

  /**
   * One round every few milliseconds: create what is new, describe what is not hosted yet, complete
   * the ready.
   */
  private void prepareLoop() {
    Map<String, List<Waiting>> waiting = new HashMap<>();
    while (!closed) {
      try {
        synchronized (this) {
          while (incoming.isEmpty() && waiting.isEmpty() && !closed) {
            wait();
          }
          for (Waiting w : incoming) {
            waiting.computeIfAbsent(w.topic, t -> new ArrayList<>()).add(w);
          }
          incoming.clear();
        }
        round(waiting);
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("Preparing run topics failed ({}); trying again", e.getMessage());
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void round(Map<String, List<Waiting>> waiting) throws InterruptedException {
    long now = System.nanoTime();
    waiting
        .values()
        .removeIf(
            list -> {
              list.removeIf(
                  w -> {
                    if (now - w.deadline > 0) {
                      w.done.completeExceptionally(
                          w.last != null ? w.last : new TimeoutException("not hosted in time"));
                      return true;
                    }
                    return false;
                  });
              return list.isEmpty();
            });
    if (waiting.isEmpty()) {
      return;
    }
    List<NewTopic> create = new ArrayList<>();
    for (Map.Entry<String, List<Waiting>> entry : waiting.entrySet()) {
      if (!entry.getValue().getFirst().created) {
        create.add(spec(entry.getKey()));
      }
    }
    if (!create.isEmpty()) {
      Map<String, KafkaFuture<Void>> results = admin().createTopics(create).values();
      for (NewTopic topic : create) {
        try {
          results.get(topic.name()).get(30, TimeUnit.SECONDS);
          waiting.get(topic.name()).forEach(w -> w.created = true);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof TopicExistsException) {
            waiting.get(topic.name()).forEach(w -> w.created = true);
          } else {
            waiting.get(topic.name()).forEach(w -> w.last = (Exception) e.getCause());
          }
        } catch (TimeoutException e) {
          waiting.get(topic.name()).forEach(w -> w.last = e);
        }
      }
    }
    List<String> describe =
        waiting.entrySet().stream()
            .filter(e -> e.getValue().getFirst().created)
            .map(Map.Entry::getKey)
            .toList();
    if (describe.isEmpty()) {
      return;
    }
    Map<String, KafkaFuture<TopicDescription>> descriptions =
        admin().describeTopics(describe).topicNameValues();
    for (String topic : describe) {
      try {
        TopicDescription description = descriptions.get(topic).get(30, TimeUnit.SECONDS);
        boolean hosted =
            description.partitions().stream()
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty() && !p.isr().isEmpty());
        if (hosted) {
          waiting.remove(topic).forEach(w -> w.done.complete(null));
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          waiting.get(topic).forEach(w -> w.last = (Exception) e.getCause());
        }
      } catch (TimeoutException e) {
        waiting.get(topic).forEach(w -> w.last = e);
      }
    }
  }

  private NewTopic spec(String topic) {
    return new NewTopic(
            topic,
            Optional.of(1),
            layout.replicationFactor() < 0
                ? Optional.empty()
                : Optional.of(layout.replicationFactor()))
        .configs(
            Map.of(
                "max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES),
                // Kafka's own retention stays behind the clean-up's, which deletes the topic once
                // logged.
                "retention.ms",
                    Long.toString(layout.retention().plus(Duration.ofDays(1)).toMillis())));
  }

  /** The per-run chunk topics that exist now. */
  public Set<String> list(Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    Set<String> names = admin().listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    names.removeIf(name -> !Topics.RUN_TOPIC.matcher(name).matches());
    return names;
  }

  /**
   * Deletes per-run topics, {@code deleteBatch} at a time; the names it could not delete are
   * returned.
   */
  public List<String> delete(Collection<String> topics, Duration timeout)
      throws InterruptedException {
    List<String> failed = new ArrayList<>();
    List<String> all = new ArrayList<>(topics);
    for (int from = 0; from < all.size(); from += layout.deleteBatch()) {
      List<String> batch = all.subList(from, Math.min(all.size(), from + layout.deleteBatch()));
      batch.forEach(
          t -> {
            if (!Topics.RUN_TOPIC.matcher(t).matches()) {
              throw new IllegalArgumentException("not a per-run chunk topic: " + t);
            }
          });
      var results = admin().deleteTopics(batch).topicNameValues();
      for (String topic : batch) {
        try {
          results.get(topic).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            LOG.warn("Topic {} not deleted: {}", topic, e.getCause().getMessage());
            failed.add(topic);
          }
        } catch (TimeoutException e) {
          failed.add(topic);
        }
      }
    }
    return failed;
  }

  private Admin admin() {
    Admin current = admin;
    if (current == null) {
      synchronized (this) {
        if (admin == null) {
          admin = clients.admin("run-topics");
        }
        current = admin;
      }
    }
    return current;
  }

  @Override
  public void destroy() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    if (preparer != null) {
      preparer.interrupt();
    }
    Admin current = admin;
    if (current != null) {
      current.close(Duration.ofSeconds(2));
    }
  }
}
