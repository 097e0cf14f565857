-- The chunk log in segments (issue #24): consecutive text or reasoning deltas of one part of a run that the sink
-- writes in one batch are one row covering seq .. last_seq, their texts and times in data
-- ({"deltas": [...], "ts": [epoch microseconds, ...]}); every other chunk stays a row of its own (last_seq NULL).
-- About ten times fewer rows, index entries and JSON values for PostgreSQL to parse per delta. Replays expand the
-- segments back into the same chunks with the same ids.
ALTER TABLE run_chunks ADD COLUMN last_seq bigint;

-- One row per logged chunk, segments expanded: for operators and tests that count or list a run's logged ids.
CREATE VIEW run_chunk_seqs AS
SELECT run_id, generate_series(seq, COALESCE(last_seq, seq)) AS seq, type, part
FROM run_chunks;
