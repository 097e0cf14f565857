-- Double-texting (ADR 0016). A run enqueued behind a session's live run is "held": status queued, no seq_base yet
-- (0 until released), its run request kept here until it is released (the session's live run has ended) and the
-- broker acknowledged it. The one-live-run rule holds for the runs that are not held.
ALTER TABLE runs ADD COLUMN held boolean NOT NULL DEFAULT false;
ALTER TABLE runs ADD COLUMN held_request jsonb;
DROP INDEX runs_one_live_per_session;
CREATE UNIQUE INDEX runs_one_live_per_session ON runs (session_id) WHERE status IN ('queued', 'running') AND NOT held;
-- The releaser's two scans: sessions with held runs, and released requests the broker has not acknowledged yet.
CREATE INDEX runs_held ON runs (session_id, created_at) WHERE held;
CREATE INDEX runs_unpublished ON runs (created_at) WHERE held_request IS NOT NULL AND NOT held;

-- A turn removed by a rollback: out of the transcript and out of every later run's history.
ALTER TABLE messages ADD COLUMN rolled_back_at timestamptz;
