package io.runstream.core.kafka;

import io.runstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Creates and deletes the per-run chunk topics of the {@code per-run-topic} layout. A topic is ready only once the
 * broker hosts its partition (a leader and an in-sync replica): records produced before that were lost in a probe,
 * so {@link #ensure} waits for it.
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
   * Creates the run's topic unless it exists, and waits until the broker hosts its partition; retried until
   * {@code timeout} (a broker restarting). The shared topic is always there: nothing to do.
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
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean created = false;
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (!created) {
          NewTopic spec =
              new NewTopic(topic, Optional.of(1), layout.replicationFactor() < 0 ? Optional.empty()
                  : Optional.of(layout.replicationFactor()))
                  .configs(Map.of(
                      "max.message.bytes", Integer.toString(2 * 1024 * 1024),
                      "retention.ms", Long.toString(layout.retention().toMillis() + Duration.ofDays(1).toMillis())));
          try {
            admin().createTopics(List.of(spec)).all().get(remaining(deadline), TimeUnit.MILLISECONDS);
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
              throw e;
            }
          }
          created = true;
        }
        if (hosted(topic, deadline)) {
          return;
        }
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating " + topic, e);
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        last = e;
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while creating " + topic, ie);
        }
      }
    }
    throw new IllegalStateException("topic " + topic + " not ready after " + timeout, last);
  }

  private boolean hosted(String topic, long deadline) throws InterruptedException, TimeoutException {
    try {
      TopicDescription description =
          admin().describeTopics(List.of(topic)).allTopicNames().get(remaining(deadline), TimeUnit.MILLISECONDS)
              .get(topic);
      return description != null
          && description.partitions().stream()
              .allMatch(p -> p.leader() != null && !p.leader().isEmpty() && !p.isr().isEmpty());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The per-run chunk topics that exist now. */
  public Set<String> list(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
    Set<String> names = admin().listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    names.removeIf(name -> !Topics.RUN_TOPIC.matcher(name).matches());
    return names;
  }

  /** Deletes per-run topics, {@code deleteBatch} at a time; the names it could not delete are returned. */
  public List<String> delete(Collection<String> topics, Duration timeout) throws InterruptedException {
    List<String> failed = new ArrayList<>();
    List<String> all = new ArrayList<>(topics);
    for (int from = 0; from < all.size(); from += layout.deleteBatch()) {
      List<String> batch = all.subList(from, Math.min(all.size(), from + layout.deleteBatch()));
      batch.forEach(t -> {
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

  private static long remaining(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  @Override
  public void destroy() {
    Admin current = admin;
    if (current != null) {
      current.close(Duration.ofSeconds(2));
    }
  }
}
