-- A user's live runs, counted at every admission (runstream.ingest.max-live-runs-per-user): the index holds the live
-- runs only, so the count does not grow with the user's history.
CREATE INDEX runs_live_by_user ON runs (user_id) WHERE status IN ('queued', 'running');
