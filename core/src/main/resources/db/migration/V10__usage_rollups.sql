-- Usage roll-ups (runstream.usage-rollups, written by the sink's roll-up writer): one row per organisation, window,
-- user and model; each row is replaced by the window's newer total. user_id is the nil UUID for runs without a user.
CREATE TABLE usage_rollups (
    org_id        uuid NOT NULL,
    granularity   text NOT NULL CHECK (granularity IN ('minute', 'hour')),
    window_start  timestamptz NOT NULL,
    user_id       uuid NOT NULL,
    model_id      text NOT NULL,
    runs          bigint NOT NULL,
    failures      bigint NOT NULL,
    cancellations bigint NOT NULL,
    input_tokens  bigint NOT NULL,
    output_tokens bigint NOT NULL,
    ttft          jsonb NOT NULL,   -- the time-to-first-token sketch: {"count": n, "sketch": {bucket: count}}
    duration      jsonb NOT NULL,   -- the run-duration sketch, same shape
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, granularity, window_start, user_id, model_id)
);
