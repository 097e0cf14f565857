package io.runstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.core.store.MessageStore;
import io.runstream.core.store.RunRow;
import io.runstream.core.store.RunStatus;
import io.runstream.core.store.RunStore;
import io.runstream.core.store.UsageLedger;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.RunChunk;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue #27 item 2 on the sink's side: the worker stores a run's end (status, usage, last id, the
 * message's whole text) before it produces the run's last chunks, so the sink meets an ended run
 * whose last chunks are still to come. It logs them and changes nothing of the stored end; once the
 * run's last chunk is logged, whatever else comes for it (a lost worker's late output) is
 * discarded, as before.
 */
class StoredEndIT {
  private static JdbcClient jdbc;
  private static ChunkBatchWriter writer;

  @BeforeAll
  static void database() {
    DataSource dataSource = SinkDatabase.migrated();
    jdbc = JdbcClient.create(dataSource);
    writer = SinkDatabase.writer(dataSource);
  }

  /** A stopped run's chunks, seqs 5..13 (the last one, run.finished, at 13). */
  private static List<ChunkBatchWriter.Located> stoppedRun(SinkDatabase.QueuedRun f) {
    List<ChunkData> data =
        List.of(
            new ChunkData.RunStarted(f.agentMessage(), null),
            new ChunkData.StepStarted(1),
            new ChunkData.TextStart(),
            new ChunkData.TextDelta("Hello"),
            new ChunkData.TextDelta(", world"),
            new ChunkData.StepFinished("stop"),
            new ChunkData.RunAborted("stopped"),
            new ChunkData.Usage("sim-1", 11, 3),
            new ChunkData.RunFinished("cancelled", "abort"));
    List<ChunkBatchWriter.Located> located = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      RunChunk chunk =
          RunChunk.of(
              f.run(), f.session(), 5 + i, Instant.now(), f.agentMessage().toString(), data.get(i));
      located.add(new ChunkBatchWriter.Located(chunk, "runstream.run-chunks", 1, 300 + i));
    }
    return located;
  }

  /** What the worker stores before producing run.finished (agent-worker's RunEnds). */
  private static Instant storeEndAsTheWorkerDoes(SinkDatabase.QueuedRun f) {
    Instant finished = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(1);
    assertThat(
            new RunStore(jdbc)
                .finish(f.run(), RunStatus.CANCELLED, 13, "abort", null, 11L, 3L, finished))
        .isTrue();
    assertThat(
            new MessageStore(jdbc)
                .end(f.agentMessage(), "cancelled", "Hello, world", 11L, 3L, finished))
        .isTrue();
    new UsageLedger(jdbc).record(f.run(), f.org(), f.user(), "sim-1", 11, 3);
    return finished;
  }

  @Test
  void shouldLogTheLastChunksOfARunWhoseEndWasStoredFirstAndKeepTheStoredEnd() {
    SinkDatabase.QueuedRun f = SinkDatabase.queuedRun(jdbc);
    List<ChunkBatchWriter.Located> chunks = stoppedRun(f);
    assertThat(writer.write(chunks.subList(0, 4))).isEqualTo(4);
    Instant finished = storeEndAsTheWorkerDoes(f);

    assertThat(writer.write(chunks.subList(4, chunks.size())))
        .as("the last chunks are logged")
        .isEqualTo(5);
    assertThat(
            jdbc.sql("SELECT count(*) FROM run_chunk_seqs WHERE run_id = ?")
                .param(f.run())
                .query(Long.class)
                .single())
        .isEqualTo(9);
    RunRow run = new RunStore(jdbc).find(f.run()).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(run.lastSeq()).isEqualTo(13);
    assertThat(run.finishedAt()).isEqualTo(finished);
    assertThat(run.outputTokens()).isEqualTo(3);
    assertThat(run.chunkOffset()).isEqualTo(300);
    assertThat(
            jdbc.sql("SELECT text FROM messages WHERE id = ?")
                .param(f.agentMessage())
                .query(String.class)
                .single())
        .as("the worker's whole text, not appended to again")
        .isEqualTo("Hello, world");
    assertThat(new UsageLedger(jdbc).totalTokens(f.org())).isEqualTo(14);
  }

  @Test
  void shouldDiscardWhatComesForARunOnceItsLastChunkIsLogged() {
    SinkDatabase.QueuedRun f = SinkDatabase.queuedRun(jdbc);
    List<ChunkBatchWriter.Located> chunks = stoppedRun(f);
    storeEndAsTheWorkerDoes(f);
    writer.write(chunks);
    RunChunk late =
        RunChunk.of(
            f.run(),
            f.session(),
            14,
            Instant.now(),
            f.agentMessage().toString(),
            new ChunkData.TextDelta(" and more"));
    RunChunk redelivered = chunks.get(3).chunk();
    assertThat(
            writer.write(
                List.of(
                    new ChunkBatchWriter.Located(late, "runstream.run-chunks", 1, 400),
                    new ChunkBatchWriter.Located(redelivered, "runstream.run-chunks", 1, 303))))
        .isZero();
    assertThat(
            jdbc.sql("SELECT count(*) FROM run_chunk_seqs WHERE run_id = ?")
                .param(f.run())
                .query(Long.class)
                .single())
        .isEqualTo(9);
    assertThat(
            jdbc.sql("SELECT text FROM messages WHERE id = ?")
                .param(f.agentMessage())
                .query(String.class)
                .single())
        .isEqualTo("Hello, world");
  }
}
