-- baton_scope (migration 008) runs at the start of every transaction. As a LANGUAGE sql procedure its body
-- is parsed and planned on every call (about 80 µs, measured under the dispatch bench: the largest single
-- cost per transaction after the work itself); PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE PROCEDURE baton_scope(scope_tenant_id text, scope_system text, scope_timeout_ms text)
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM set_config('baton.tenant_id', scope_tenant_id, true),
            set_config('baton.system', scope_system, true),
            set_config('statement_timeout', scope_timeout_ms, true);
END;
$$;
