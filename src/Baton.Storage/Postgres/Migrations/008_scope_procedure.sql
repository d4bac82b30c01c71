-- Names a transaction's scope (the tenant Row-Level Security shows, or the system scope, and the
-- statement timeout) with transaction-local settings. Called as the first statement of the
-- transaction's first command: CALL returns no rows, so the command's own results come first, and
-- its parameters keep the statement text the same for every tenant (so it can be prepared).
CREATE PROCEDURE baton_scope(scope_tenant_id text, scope_system text, scope_timeout_ms text)
LANGUAGE sql
AS $$
    SELECT set_config('baton.tenant_id', scope_tenant_id, true),
           set_config('baton.system', scope_system, true),
           set_config('statement_timeout', scope_timeout_ms, true);
$$;

GRANT EXECUTE ON PROCEDURE baton_scope(text, text, text) TO baton_app;
