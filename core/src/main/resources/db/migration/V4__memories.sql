-- The memory.store / memory.retrieve server tools: one value per key and user, expiring after the run's memoryTtl.
CREATE TABLE memories (
    org_id     uuid NOT NULL REFERENCES organisations (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    key        text NOT NULL,
    value      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, user_id, key)
);
CREATE INDEX memories_expiry ON memories (expires_at);
