package io.runstream.admission;

import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStore;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.ObjectNode;

/**
 * Starts runs enqueued behind a session's live run (double-texting, ADR 0016) once that run has
 * ended, however it ended (completed, failed, stopped, interrupted, reaped after its worker died):
 * every {@code runstream.ingest .release-interval} (and at once after an admission that held a
 * run), for each session with held runs, the oldest held run gets the session's next ids under the
 * session's row lock and its request is published; a request whose publication failed is published
 * again until the broker acknowledges it (a duplicate is harmless: workers claim runs in
 * PostgreSQL, ADR 0005). Every ingest instance releases; the session lock and the one-live-run
 * index make one release win.
 */
@Component
public class HeldRunReleaser implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(HeldRunReleaser.class);
  private static final Duration INTERVAL = Duration.ofMillis(200);

  /** A released request not acknowledged after this long is published again. */
  private static final Duration REPUBLISH_AFTER = Duration.ofSeconds(10);

  private final RunStore runs;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final RunRequestPublisher publisher;
  private final MessageStore messages;
  private volatile boolean running;
  private Thread loop;

  public HeldRunReleaser(
      RunStore runs,
      JdbcClient jdbc,
      TransactionTemplate tx,
      RunRequestPublisher publisher,
      MessageStore messages) {
    this.messages = messages;
    this.runs = runs;
    this.jdbc = jdbc;
    this.tx = tx;
    this.publisher = publisher;
  }

  /**
   * Releases the session's next held run if its live run has ended; true if one was released and
   * published.
   */
  public boolean release(UUID sessionId) {
    Optional<RunStore.Released> released =
        tx.execute(
            status -> {
              // The admission's lock: no run is admitted into the session while its next run is
              // released.
              jdbc.sql("SELECT id FROM sessions WHERE id = :id FOR UPDATE")
                  .param("id", sessionId)
                  .query(UUID.class)
                  .optional();
              return runs.releaseNext(sessionId);
            });
    if (released == null || released.isEmpty()) {
      return false;
    }
    LOG.debug(
        "Run {} of session {} released with seq base {}",
        released.get().id(),
        sessionId,
        released.get().seqBase());
    return publish(released.get());
  }

  private boolean publish(RunStore.Released released) {
    RunRequested request = null;
    try {
      ObjectNode tree = (ObjectNode) EventJson.MAPPER.readTree(released.requestJson());
      tree.put("seqBase", released.seqBase());
      request =
          EventJson.read(
              EventJson.MAPPER.writeValueAsString(tree).getBytes(StandardCharsets.UTF_8),
              RunRequested.class);
      publisher.publish(request);
      runs.published(released.id());
      return true;
    } catch (RunRequestPublisher.PublishFailedException e) {
      if (e.tooLarge() && request != null) {
        // It can never be published: it fails, as at admission, so that the session goes on.
        RunRequested failed = request;
        tx.executeWithoutResult(
            status -> {
              if (runs.failUnpublished(
                  failed.runId(),
                  "{\"code\":\"request_too_large\",\"message\":\"the run request is larger than the"
                      + " broker accepts\"}")) {
                messages.finish(failed.agentMessageId(), "failed", null, null, Instant.now());
              }
            });
        LOG.warn("Released run {} is larger than the broker accepts: failed", released.id());
        return false;
      }
      LOG.warn(
          "Released run {} could not be published yet ({}); it is published again later",
          released.id(),
          e.getMessage());
      return false;
    }
  }

  private void sweep() {
    for (UUID session : runs.sessionsWithHeldRuns(200)) {
      try {
        release(session);
      } catch (RuntimeException e) {
        LOG.warn("Held runs of session {} not released now: {}", session, e.toString());
      }
    }
    List<RunStore.Released> unpublished =
        runs.unpublished(Instant.now().minus(REPUBLISH_AFTER), 100);
    for (RunStore.Released released : unpublished) {
      publish(released);
    }
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    loop =
        Thread.ofVirtual()
            .name("held-run-releaser")
            .start(
                () -> {
                  while (running) {
                    try {
                      Thread.sleep(INTERVAL.toMillis());
                      sweep();
                    } catch (InterruptedException e) {
                      return;
                    } catch (RuntimeException e) {
                      LOG.warn("Releasing held runs failed: {}; going on", e.toString());
                    }
                  }
                });
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

  @Override
  public int getPhase() {
    // Stops before the publisher's producer and the database pool go away.
    return Integer.MAX_VALUE - 200;
  }
}
