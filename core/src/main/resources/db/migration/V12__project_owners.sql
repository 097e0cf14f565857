-- Who owns a project's knowledge (issue #23): the user who put its first document. Uploading into or deleting from a
-- project is for its owner and the organisation's administrators. Projects that have documents from before this
-- version get their owner with their next upload.
CREATE TABLE project_owners (
    org_id     uuid NOT NULL,
    project_id text NOT NULL,
    user_id    uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id)
);
