-- Files a job saved (issue 16): one row per job and name, the content in the content-addressed blob store
-- (shared with package archives). A later attempt that saves the same name replaces the row.
CREATE TABLE job_artifacts (
    tenant_id   text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    job_id      text        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name        text        NOT NULL,
    attempt     integer     NOT NULL,
    sha256      text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, job_id, name)
);
-- Retention's scan by age and the blob collector's "is this content still used".
CREATE INDEX ix_job_artifacts_created ON job_artifacts (created_at);
CREATE INDEX ix_job_artifacts_sha256 ON job_artifacts (sha256);

ALTER TABLE job_artifacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_artifacts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_artifacts
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON job_artifacts TO baton_app;
