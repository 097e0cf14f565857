-- Stop requests survive a race with the run's start: the worker reads this when it claims the run.
ALTER TABLE runs ADD COLUMN stop_requested_at timestamptz;
