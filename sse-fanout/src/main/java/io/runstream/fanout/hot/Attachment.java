package io.runstream.fanout.hot;

import java.util.List;

/**
 * A reader attached to a run in memory.
 *
 * @param buffer the run's buffer
 * @param reader the reader, fed with every later chunk
 * @param backlog the chunks in memory with seq above the requested one
 * @param fromStart whether memory holds the run from its {@code run.started}
 * @param firstSeq the first seq in memory ({@link Long#MAX_VALUE} when none yet)
 * @param lastSeq the last seq in memory (-1 when none yet)
 * @param finished whether memory already holds the run's {@code run.finished}
 */
public record Attachment(
    RunBuffer buffer,
    Reader reader,
    List<HotChunk> backlog,
    boolean fromStart,
    long firstSeq,
    long lastSeq,
    boolean finished) {}
