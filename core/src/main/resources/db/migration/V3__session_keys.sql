-- Sessions a face addresses by its own string key (agent-stream's conversationId, genie's sessionId), scoped to the
-- organisation and the user: the key is unique per (organisation, user, face).
ALTER TABLE sessions ADD COLUMN face text;
ALTER TABLE sessions ADD COLUMN external_key text;
CREATE UNIQUE INDEX sessions_by_key ON sessions (org_id, user_id, face, external_key) WHERE external_key IS NOT NULL;
