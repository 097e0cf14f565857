-- What the agent knows about a user before the message: weighted context nodes (voice, stats, habits, ...); the
-- top ones by weight go into the prompt (genie's "top-15 weighted persona nodes").
CREATE TABLE context_nodes (
    org_id     uuid NOT NULL REFERENCES organisations (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    label      text NOT NULL,
    content    text NOT NULL,
    weight     double precision NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id, label)
);
CREATE INDEX context_nodes_by_weight ON context_nodes (org_id, user_id, weight DESC);
