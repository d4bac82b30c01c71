-- The autoscaler (installation-wide, no tenant): one row per scaled target with its policy, pause flag,
-- engine state and the lease that lets one replica act on it; the decisions and anomalies it records.
-- No tenant owns these rows: Row-Level Security lets only system-scope transactions see them.
CREATE TABLE autoscale_targets (
    target             text        NOT NULL PRIMARY KEY,
    name               text        NOT NULL,
    policy_yaml        text        NOT NULL,
    provider           text        NOT NULL,
    applied_at         timestamptz NOT NULL,
    paused             boolean     NOT NULL DEFAULT false,
    paused_at          timestamptz,
    replicas           integer,
    state              text,
    last_explanation   text,
    forecast_replicas  integer,
    evaluated_at       timestamptz,
    lease_holder       text,
    lease_until        timestamptz
);

CREATE TABLE autoscale_decisions (
    id                 bigserial   PRIMARY KEY,
    target             text        NOT NULL,
    at                 timestamptz NOT NULL,
    from_replicas      integer     NOT NULL,
    to_replicas        integer     NOT NULL,
    rule               text        NOT NULL,
    explanation        text        NOT NULL,
    triggers           jsonb       NOT NULL,
    forecast_replicas  integer,
    replica            text        NOT NULL
);
CREATE INDEX ix_autoscale_decisions_target ON autoscale_decisions (target, id);
CREATE INDEX ix_autoscale_decisions_at ON autoscale_decisions (at);

CREATE TABLE autoscale_anomalies (
    id       bigserial        PRIMARY KEY,
    target   text             NOT NULL,
    at       timestamptz      NOT NULL,
    kind     text             NOT NULL,
    subject  text             NOT NULL,
    value    double precision NOT NULL,
    usual    double precision NOT NULL,
    score    double precision NOT NULL,
    detail   text             NOT NULL
);
CREATE INDEX ix_autoscale_anomalies_at ON autoscale_anomalies (at);

ALTER TABLE autoscale_targets ENABLE ROW LEVEL SECURITY;
ALTER TABLE autoscale_targets FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON autoscale_targets
    USING (current_setting('baton.system', true) = 'on') WITH CHECK (current_setting('baton.system', true) = 'on');
ALTER TABLE autoscale_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE autoscale_decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON autoscale_decisions
    USING (current_setting('baton.system', true) = 'on') WITH CHECK (current_setting('baton.system', true) = 'on');
ALTER TABLE autoscale_anomalies ENABLE ROW LEVEL SECURITY;
ALTER TABLE autoscale_anomalies FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON autoscale_anomalies
    USING (current_setting('baton.system', true) = 'on') WITH CHECK (current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON autoscale_targets, autoscale_decisions, autoscale_anomalies TO baton_app;
GRANT USAGE ON SEQUENCE autoscale_decisions_id_seq, autoscale_anomalies_id_seq TO baton_app;

-- The autoscaler's fleet reads: recent submissions (demand history, tenants' rates) and recent endings
-- (failure storms, measured run times) without scanning every job.
CREATE INDEX ix_jobs_submitted_at ON jobs (submitted_at);
CREATE INDEX ix_jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;
