-- The per-user run rate as a token bucket shared by every ingest and fan-out instance (not one bucket per process).
CREATE TABLE run_rate_buckets (
    user_id    uuid PRIMARY KEY REFERENCES users (id),
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL
);
