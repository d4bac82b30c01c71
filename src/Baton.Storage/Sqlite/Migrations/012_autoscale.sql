-- The autoscaler (installation-wide, no tenant): one row per scaled target with its policy, pause flag,
-- engine state and the lease that lets one replica act on it; the decisions and anomalies it records.
CREATE TABLE autoscale_targets (
    target             TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    policy_yaml        TEXT    NOT NULL,
    provider           TEXT    NOT NULL,
    applied_at         INTEGER NOT NULL,
    paused             INTEGER NOT NULL DEFAULT 0,
    paused_at          INTEGER,
    replicas           INTEGER,
    state              TEXT,
    last_explanation   TEXT,
    forecast_replicas  INTEGER,
    evaluated_at       INTEGER,
    lease_holder       TEXT,
    lease_until        INTEGER
) STRICT;

CREATE TABLE autoscale_decisions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    target             TEXT    NOT NULL,
    at                 INTEGER NOT NULL,
    from_replicas      INTEGER NOT NULL,
    to_replicas        INTEGER NOT NULL,
    rule               TEXT    NOT NULL,
    explanation        TEXT    NOT NULL,
    triggers           TEXT    NOT NULL,
    forecast_replicas  INTEGER,
    replica            TEXT    NOT NULL
) STRICT;
CREATE INDEX ix_autoscale_decisions_target ON autoscale_decisions (target, id);
CREATE INDEX ix_autoscale_decisions_at ON autoscale_decisions (at);

CREATE TABLE autoscale_anomalies (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    target   TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    value    REAL    NOT NULL,
    usual    REAL    NOT NULL,
    score    REAL    NOT NULL,
    detail   TEXT    NOT NULL
) STRICT;
CREATE INDEX ix_autoscale_anomalies_at ON autoscale_anomalies (at);

-- The autoscaler's fleet reads: recent submissions (demand history, tenants' rates) and recent endings
-- (failure storms, measured run times) without scanning every job.
CREATE INDEX ix_jobs_submitted_at ON jobs (submitted_at);
CREATE INDEX ix_jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;
