-- Tool approvals (issue #27 item 4). A run whose tool calls wait for a person's approval is parked: it stays
-- 'running' (the session's one live run), but no worker holds it (worker_id 'parked', no lease), and what the worker
-- needs to go on is kept here. An answer to its last approval, its approval timeout or a stop makes it due
-- (resume_due: by then a worker must have claimed it, or its request is published again) and publishes its request;
-- the worker that claims it goes on from the continuation.
CREATE TABLE run_parkings (
    run_id       uuid PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    request      jsonb       NOT NULL,
    continuation jsonb       NOT NULL,
    parked_at    timestamptz NOT NULL DEFAULT now(),
    deadline     timestamptz NOT NULL,
    resume_due   timestamptz
);
CREATE INDEX run_parkings_deadline ON run_parkings (deadline) WHERE resume_due IS NULL;

-- One row per tool call that needs an approval: written before the request is streamed, answered once.
CREATE TABLE tool_approvals (
    run_id       uuid        NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    approval_id  text        NOT NULL,
    tool_call_id text        NOT NULL,
    tool_name    text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    approved     boolean,
    reason       text,
    decided_at   timestamptz,
    -- no answer came within runstream.worker.approval-timeout: the call was denied for that
    timed_out    boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (run_id, approval_id)
);
