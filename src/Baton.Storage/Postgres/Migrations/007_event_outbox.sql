-- Busy paths (job endings, agents going offline or online) append tenant events here, without the
-- per-tenant event_sequences lock: holding that lock until commit made every job ending of a tenant
-- wait for the previous one's commit. The sequencer (PostgresEventSequencer) later moves a batch of
-- these rows into `events` in one statement, giving each tenant its gap-free ids under one lock per
-- batch. Readers of `events` (the list, the stream, the webhook fan-out) sequence first, so what was
-- committed before a read is in it.
CREATE TABLE event_outbox (
    seq         bigserial   PRIMARY KEY,
    tenant_id   text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type        text        NOT NULL,
    subject_id  text        NOT NULL,
    payload     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL
);

ALTER TABLE event_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_outbox
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, DELETE ON event_outbox TO baton_app;
GRANT USAGE ON SEQUENCE event_outbox_seq_seq TO baton_app;
