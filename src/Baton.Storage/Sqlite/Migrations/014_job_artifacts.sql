-- Files a job saved (issue 16): one row per job and name, the content in the content-addressed blob store
-- (shared with package archives). A later attempt that saves the same name replaces the row.
CREATE TABLE job_artifacts (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    job_id      TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, job_id, name)
) STRICT;
-- Retention's scan by age and the blob collector's "is this content still used".
CREATE INDEX ix_job_artifacts_created ON job_artifacts (created_at);
CREATE INDEX ix_job_artifacts_sha256 ON job_artifacts (sha256);
