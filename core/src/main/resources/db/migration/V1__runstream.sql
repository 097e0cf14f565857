-- Runstream schema, version 1. Owned by the core module; every service runs Flyway on start-up.

CREATE TABLE organisations (
    id           uuid PRIMARY KEY,
    external_id  text NOT NULL UNIQUE,           -- the JWT "org" claim
    token_budget bigint,                         -- null: unlimited
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organisations (id),
    subject    text NOT NULL,                    -- the JWT "sub" claim
    name       text,
    email      text,
    is_admin   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, subject)
);

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organisations (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    title      text NOT NULL DEFAULT '',
    metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (org_id, user_id, created_at DESC, id DESC);

CREATE TABLE messages (
    id             uuid PRIMARY KEY,
    ordinal        bigserial NOT NULL UNIQUE,     -- stable transcript order
    session_id     uuid NOT NULL REFERENCES sessions (id),
    org_id         uuid NOT NULL REFERENCES organisations (id),
    run_id         uuid,
    sender_role    text NOT NULL CHECK (sender_role IN ('user', 'agent')),
    text           text NOT NULL DEFAULT '',
    status         text NOT NULL CHECK (status IN ('completed', 'streaming', 'cancelled', 'failed')),
    temperature    double precision NOT NULL DEFAULT 0,
    model_provider text,
    model_id       text,
    input_tokens   bigint,
    output_tokens  bigint,
    metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX messages_by_session ON messages (session_id, ordinal);

CREATE TABLE feedback (
    message_id uuid PRIMARY KEY REFERENCES messages (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    rating     text NOT NULL CHECK (rating IN ('positive', 'negative')),
    body       text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE runs (
    id               uuid PRIMARY KEY,
    session_id       uuid NOT NULL REFERENCES sessions (id),
    org_id           uuid NOT NULL REFERENCES organisations (id),
    user_id          uuid REFERENCES users (id),
    user_message_id  uuid REFERENCES messages (id),
    agent_message_id uuid NOT NULL REFERENCES messages (id),
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'cancelled', 'failed')),
    model_provider   text NOT NULL,
    model_id         text NOT NULL,
    seq_base         bigint NOT NULL,             -- the run's first chunk seq
    last_seq         bigint,                      -- the seq of run.finished, once recorded
    chunk_topic      text,                        -- where the run's chunks start in Kafka (warm resume)
    chunk_partition  integer,
    chunk_offset     bigint,
    input_tokens     bigint,
    output_tokens    bigint,
    finish_reason    text,
    error            jsonb,
    worker_id        text,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE INDEX runs_by_session ON runs (session_id, created_at DESC);
-- At most one live run per session: the database enforces the 409 rule.
CREATE UNIQUE INDEX runs_one_live_per_session ON runs (session_id) WHERE status IN ('queued', 'running');
CREATE INDEX runs_live_leases ON runs (lease_expires_at) WHERE status = 'running';

-- The chunk log: every chunk of every run, idempotent on (run_id, seq); the cold resume tier.
CREATE TABLE run_chunks (
    run_id     uuid NOT NULL,
    seq        bigint NOT NULL,
    session_id uuid NOT NULL,
    type       text NOT NULL,
    part       text,
    ts         timestamptz NOT NULL,
    data       jsonb NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- The usage ledger: one row per run, written from its last usage chunk.
CREATE TABLE usage_ledger (
    run_id        uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organisations (id),
    user_id       uuid,
    model_id      text NOT NULL,
    input_tokens  bigint NOT NULL,
    output_tokens bigint NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_by_org ON usage_ledger (org_id, recorded_at);
