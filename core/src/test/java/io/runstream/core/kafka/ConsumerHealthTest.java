package io.runstream.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The readiness of consumer loops (the fan-out's chunk tail, the worker's run-request intake, the
 * sink's chunk consumer all report through {@link ConsumerHealth}): a loop polling a broker that is
 * away stays UP; a loop that is stopped, whose thread ended, or that stops completing polls is DOWN
 * under its name, and UP again once it polls.
 */
class ConsumerHealthTest {
  private static final Duration BOUND = Duration.ofMillis(500);
  private final List<TestLoop> started = new ArrayList<>();

  /** A loop on a real consumer whose broker is not there (nothing listens on port 1). */
  private final class TestLoop extends ConsumerLoop {
    private final String reportAs;
    private final boolean enabled;
    final AtomicInteger polls = new AtomicInteger();
    volatile CountDownLatch hang;
    volatile boolean endAfterPoll;

    TestLoop(String reportAs, boolean enabled) {
      super("test-" + reportAs, Duration.ofSeconds(5));
      this.reportAs = reportAs;
      this.enabled = enabled;
    }

    @Override
    protected boolean enabled() {
      return enabled;
    }

    @Override
    protected String readinessName() {
      return reportAs;
    }

    @Override
    protected KafkaConsumer<byte[], byte[]> openConsumer() {
      return new KafkaConsumer<>(
          Map.of(
              "bootstrap.servers",
              "127.0.0.1:1",
              "group.id",
              "health-test",
              "reconnect.backoff.ms",
              50,
              "reconnect.backoff.max.ms",
              200),
          new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
    }

    @Override
    protected void loop(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException {
      consumer.subscribe(List.of("health-test"));
      while (running()) {
        consumer.poll(Duration.ofMillis(50));
        polled();
        polls.incrementAndGet();
        if (endAfterPoll) {
          return;
        }
        CountDownLatch waiting = hang;
        if (waiting != null) {
          waiting.await();
        }
      }
    }

    TestLoop begin() {
      start();
      started.add(this);
      return this;
    }
  }

  @AfterEach
  void stopLoops() {
    started.forEach(ConsumerLoop::stop);
  }

  private static Health component(HealthContributor contributor, String name) {
    return ((HealthIndicator) ((CompositeHealthContributor) contributor).getContributor(name))
        .health();
  }

  @Test
  void shouldStayUpWhilePollingABrokerThatIsAway() {
    TestLoop intake = new TestLoop("runRequestIntake", true).begin();
    HealthContributor health = ConsumerHealth.of(List.of(intake), BOUND);
    // Well past the bound, with every poll coming back empty: the broker is away, the loop is
    // alive.
    await().atMost(Duration.ofSeconds(20)).until(() -> intake.polls.get() >= 40);
    assertThat(component(health, "runRequestIntake").getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void shouldGoDownWhenTheLoopStopsPollingAndComeBackWhenItPollsAgain() {
    TestLoop sink = new TestLoop("chunkSink", true);
    CountDownLatch hang = new CountDownLatch(1);
    sink.hang = hang;
    sink.begin();
    HealthContributor health = ConsumerHealth.of(List.of(sink), BOUND);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              Health down = component(health, "chunkSink");
              assertThat(down.getStatus()).isEqualTo(Status.DOWN);
              assertThat(String.valueOf(down.getDetails().get("reason")))
                  .startsWith("no poll completed for");
            });
    sink.hang = null;
    hang.countDown();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> component(health, "chunkSink").getStatus().equals(Status.UP));
  }

  @Test
  void shouldGoDownWhenTheLoopIsStoppedOrItsThreadEnds() {
    TestLoop tail = new TestLoop("chunkTail", true).begin();
    TestLoop intake = new TestLoop("runRequestIntake", true);
    intake.endAfterPoll = true;
    intake.begin();
    HealthContributor health = ConsumerHealth.of(List.of(tail, intake), BOUND);
    await().atMost(Duration.ofSeconds(20)).until(() -> tail.polls.get() > 0);
    assertThat(component(health, "chunkTail").getStatus()).isEqualTo(Status.UP);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(component(health, "runRequestIntake").getDetails())
                    .containsEntry("reason", "its thread has ended"));

    tail.stop();
    assertThat(component(health, "chunkTail").getStatus()).isEqualTo(Status.DOWN);
    assertThat(component(health, "chunkTail").getDetails()).containsEntry("reason", "stopped");
    tail.start();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> component(health, "chunkTail").getStatus().equals(Status.UP));
  }

  @Test
  void shouldReportOnlyTheLoopsThatRunAndReportHere() {
    TestLoop disabled = new TestLoop("chunkSink", false);
    TestLoop unreported = new TestLoop(null, true);
    HealthContributor none = ConsumerHealth.of(List.of(disabled, unreported), BOUND);
    assertThat(none).isInstanceOf(HealthIndicator.class);
    assertThat(((HealthIndicator) none).health().getStatus()).isEqualTo(Status.UP);

    TestLoop intake = new TestLoop("runRequestIntake", true);
    HealthContributor some = ConsumerHealth.of(List.of(disabled, unreported, intake), BOUND);
    assertThat(((CompositeHealthContributor) some).stream().map(entry -> entry.name()))
        .containsExactly("runRequestIntake");
  }
}
