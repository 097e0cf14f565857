-- The runs listing (GET /api/v1/runs): newest first per organisation and per user.
CREATE INDEX runs_by_org ON runs (org_id, created_at DESC);
CREATE INDEX runs_by_user ON runs (org_id, user_id, created_at DESC);
