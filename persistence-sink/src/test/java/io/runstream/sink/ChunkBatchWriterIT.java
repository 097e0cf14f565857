package io.runstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.store.ChunkLogStore;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.UsageLedger;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The sink's writes on a real PostgreSQL: idempotent on (run id, seq), effects applied exactly
 * once.
 */
class ChunkBatchWriterIT {
  private static DataSource dataSource;
  private static JdbcClient jdbc;
  private static ChunkBatchWriter writer;

  @BeforeAll
  static void database() {
    dataSource = SinkDatabase.migrated();
    jdbc = JdbcClient.create(dataSource);
    writer = SinkDatabase.writer(dataSource);
  }

  private static List<ChunkBatchWriter.Located> runChunks(SinkDatabase.QueuedRun f) {
    List<ChunkData> data =
        List.of(
            new ChunkData.RunStarted(f.agentMessage(), null),
            new ChunkData.TextStart(),
            new ChunkData.TextDelta("Hello"),
            new ChunkData.TextDelta(", world"),
            new ChunkData.TextEnd(),
            new ChunkData.Usage("sim-1", 11, 3),
            new ChunkData.RunFinished("completed", "stop"));
    List<ChunkBatchWriter.Located> located = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      RunChunk chunk =
          RunChunk.of(
              f.run(), f.session(), 5 + i, Instant.now(), f.agentMessage().toString(), data.get(i));
      located.add(new ChunkBatchWriter.Located(chunk, "runstream.run-chunks", 2, 100 + i));
    }
    return located;
  }

  @Test
  void shouldApplyARedeliveredBatchOnlyOnce() {
    SinkDatabase.QueuedRun f = SinkDatabase.queuedRun(jdbc);
    List<ChunkBatchWriter.Located> chunks = runChunks(f);
    assertThat(writer.write(chunks)).isEqualTo(7);
    assertThat(writer.write(chunks)).isZero();
    assertThat(writer.write(chunks.subList(2, 5))).isZero();
    assertThat(
            jdbc.sql("SELECT text FROM messages WHERE id = ?")
                .param(f.agentMessage())
                .query(String.class)
                .single())
        .isEqualTo("Hello, world");
    assertThat(
            jdbc.sql("SELECT status FROM messages WHERE id = ?")
                .param(f.agentMessage())
                .query(String.class)
                .single())
        .isEqualTo("completed");
    var run = new RunStore(jdbc).find(f.run()).orElseThrow();
    assertThat(run.status().wire()).isEqualTo("completed");
    assertThat(run.lastSeq()).isEqualTo(11);
    assertThat(run.chunkPartition()).isEqualTo(2);
    assertThat(run.chunkOffset()).isEqualTo(100);
    assertThat(run.inputTokens()).isEqualTo(11);
    assertThat(
            jdbc.sql("SELECT count(*) FROM run_chunk_seqs WHERE run_id = ?")
                .param(f.run())
                .query(Long.class)
                .single())
        .isEqualTo(7);
    assertThat(new UsageLedger(jdbc).totalTokens(f.org())).isEqualTo(14);
  }

  @Test
  void shouldApplyOverlappingBatchesAsIfEachChunkCameOnce() {
    SinkDatabase.QueuedRun f = SinkDatabase.queuedRun(jdbc);
    List<ChunkBatchWriter.Located> chunks = runChunks(f);
    writer.write(chunks.subList(0, 4));
    writer.write(chunks.subList(2, 7)); // a rebalance redelivers an overlap
    assertThat(
            jdbc.sql("SELECT text FROM messages WHERE id = ?")
                .param(f.agentMessage())
                .query(String.class)
                .single())
        .isEqualTo("Hello, world");
  }

  @Test
  void shouldLogChunksOfAnUnknownRunWithoutFailingTheBatch() {
    SinkDatabase.QueuedRun f = SinkDatabase.queuedRun(jdbc);
    UUID stranger = UUID.randomUUID();
    RunChunk orphan =
        RunChunk.of(
            stranger, UUID.randomUUID(), 1, Instant.now(), null, new ChunkData.StepStarted(1));
    List<ChunkBatchWriter.Located> batch = new ArrayList<>(runChunks(f));
    batch.add(new ChunkBatchWriter.Located(orphan, "runstream.run-chunks", 0, 1));
    assertThat(writer.write(batch)).isEqualTo(8);
    assertThat(new RunStore(jdbc).find(f.run()).orElseThrow().status().wire())
        .isEqualTo("completed");
  }

  @Test
  void shouldLogConsecutiveDeltasAsSegmentsAndReplayEachChunkWithItsOwnIdAndTime() {
    SinkDatabase.QueuedRun f = SinkDatabase.queuedRun(jdbc);
    List<ChunkBatchWriter.Located> batch = new ArrayList<>();
    List<RunChunk> sent = new ArrayList<>();
    Instant start = Instant.parse("2026-12-06T10:00:00.123456Z");
    long seq = 5;
    String part = f.agentMessage().toString();
    List<ChunkData> data = new ArrayList<>();
    data.add(new ChunkData.RunStarted(f.agentMessage(), null));
    data.add(new ChunkData.ReasoningStart());
    for (int i = 0; i < 20; i++) {
      data.add(new ChunkData.ReasoningDelta("think " + i + " "));
    }
    data.add(new ChunkData.ReasoningEnd());
    data.add(new ChunkData.TextStart());
    for (int i = 0; i < 60; i++) {
      data.add(new ChunkData.TextDelta("tok" + i + (i % 7 == 0 ? "\n\"é\u2028 " : " ")));
    }
    for (ChunkData d : data) {
      RunChunk chunk =
          RunChunk.of(f.run(), f.session(), seq, start.plusNanos(1_000 * 17 * seq), part, d);
      sent.add(chunk);
      batch.add(new ChunkBatchWriter.Located(chunk, "runstream.run-chunks", 1, seq));
      seq++;
    }
    // Written in three batches, one split inside the text: segments end at batch boundaries.
    assertThat(writer.write(batch.subList(0, 30))).isEqualTo(30);
    assertThat(writer.write(batch.subList(30, 60))).isEqualTo(30);
    assertThat(writer.write(batch.subList(25, batch.size()))).isEqualTo(batch.size() - 60);

    long rows =
        jdbc.sql("SELECT count(*) FROM run_chunks WHERE run_id = ?")
            .param(f.run())
            .query(Long.class)
            .single();
    assertThat(rows).as("84 chunks in a few rows").isLessThanOrEqualTo(10);
    assertThat(
            jdbc.sql("SELECT count(*) FROM run_chunk_seqs WHERE run_id = ?")
                .param(f.run())
                .query(Long.class)
                .single())
        .isEqualTo(sent.size());
    ChunkLogStore log = new ChunkLogStore(jdbc, new JdbcTemplate(dataSource));
    assertThat(log.read(f.run(), 0, 1000)).isEqualTo(sent);
    // From the middle of a segment, and pages of a fixed size across segment boundaries.
    assertThat(log.read(f.run(), 40, 1000)).isEqualTo(sent.subList(36, sent.size()));
    List<RunChunk> paged = new ArrayList<>();
    long after = 0;
    while (true) {
      List<RunChunk> page = log.read(f.run(), after, 7);
      assertThat(page.size()).isLessThanOrEqualTo(7);
      if (page.isEmpty()) {
        break;
      }
      paged.addAll(page);
      after = page.getLast().seq();
    }
    assertThat(paged).isEqualTo(sent);
    assertThat(
            jdbc.sql("SELECT text FROM messages WHERE id = ?")
                .param(f.agentMessage())
                .query(String.class)
                .single())
        .isEqualTo(
            sent.stream()
                .filter(c -> c.data() instanceof ChunkData.TextDelta)
                .map(c -> ((ChunkData.TextDelta) c.data()).delta())
                .reduce("", String::concat));
  }
}
