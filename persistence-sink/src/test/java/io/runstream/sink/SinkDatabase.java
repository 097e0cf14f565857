package io.runstream.sink;

import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.SessionStore;
import io.runstream.core.store.UsageLedger;
import io.runstream.infra.embedded.EmbeddedPlatform;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the sink's database tests share: the JVM's PostgreSQL migrated, a writer on it, a queued run
 * to write.
 */
final class SinkDatabase {
  private SinkDatabase() {}

  /** The JVM's embedded PostgreSQL, migrated. */
  static DataSource migrated() {
    DataSource dataSource = EmbeddedPlatform.shared().postgres().dataSource();
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    return dataSource;
  }

  /** A batch writer on {@code dataSource}, wired as the sink wires it. */
  static ChunkBatchWriter writer(DataSource dataSource) {
    JdbcClient jdbc = JdbcClient.create(dataSource);
    return new ChunkBatchWriter(
        new ChunkLogStore(jdbc, new JdbcTemplate(dataSource)),
        new RunStore(jdbc),
        new MessageStore(jdbc),
        new UsageLedger(jdbc),
        new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
  }

  /**
   * A queued run of a fresh organisation and user: its session, its user message and its streaming
   * agent message.
   */
  record QueuedRun(UUID org, UUID user, UUID session, UUID run, UUID agentMessage) {}

  /** Inserts a {@link QueuedRun} whose chunks start at seq 5. */
  static QueuedRun queuedRun(JdbcClient jdbc) {
    UUID org = UUID.randomUUID();
    UUID user = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    UUID run = UUID.randomUUID();
    UUID userMessage = UUID.randomUUID();
    UUID agentMessage = UUID.randomUUID();
    jdbc.sql("INSERT INTO organisations (id, external_id) VALUES (?, ?)")
        .params(org, "org-" + org)
        .update();
    jdbc.sql("INSERT INTO users (id, org_id, subject) VALUES (?, ?, 'u')")
        .params(user, org)
        .update();
    Instant now = Instant.now();
    new SessionStore(jdbc).insert(session, org, user, "", "{}", now);
    MessageStore messages = new MessageStore(jdbc);
    messages.insert(
        userMessage, session, org, run, "user", "hi", "completed", "simulated", "sim-1", "{}", now);
    messages.insert(
        agentMessage,
        session,
        org,
        run,
        "agent",
        "",
        "streaming",
        "simulated",
        "sim-1",
        "{}",
        now.plusNanos(1000));
    new RunStore(jdbc)
        .insertQueued(
            run, session, org, user, userMessage, agentMessage, "simulated", "sim-1", 5, null, now);
    return new QueuedRun(org, user, session, run, agentMessage);
  }
}
