-- Project chat's knowledge store: documents uploaded per project, cut into chunks searched by full-text search.
CREATE TABLE project_documents (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organisations (id),
    project_id    text NOT NULL,
    name          text NOT NULL,
    document_type text,
    content       text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, project_id, name)
);

CREATE TABLE project_chunks (
    document_id uuid NOT NULL REFERENCES project_documents (id) ON DELETE CASCADE,
    org_id      uuid NOT NULL,
    project_id  text NOT NULL,
    ordinal     integer NOT NULL,
    content     text NOT NULL,
    tsv         tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
    PRIMARY KEY (document_id, ordinal)
);
CREATE INDEX project_chunks_search ON project_chunks USING gin (tsv);
CREATE INDEX project_chunks_scope ON project_chunks (org_id, project_id);
