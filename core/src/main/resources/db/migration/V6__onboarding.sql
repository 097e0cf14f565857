-- The genie face's onboarding gate: a user's onboarding phase; no row = not gated.
CREATE TABLE onboarding (
    org_id            uuid NOT NULL REFERENCES organisations (id),
    user_id           uuid NOT NULL REFERENCES users (id),
    phase             text NOT NULL CHECK (phase IN ('EXTENSION_INSTALL', 'DATA_COLLECTION', 'PROCESSING', 'COMPLETE')),
    sources_ingested  integer NOT NULL DEFAULT 0 CHECK (sources_ingested >= 0),
    sources_required  integer NOT NULL DEFAULT 0 CHECK (sources_required >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
