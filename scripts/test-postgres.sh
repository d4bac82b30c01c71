#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the storage tests.
#
#   eval "$(scripts/test-postgres.sh start)"   # start (installing postgresql-15 when missing, as root); exports BATON_TEST_POSTGRES
#   scripts/test-postgres.sh env               # print the export line again
#   scripts/test-postgres.sh stop              # stop the cluster and delete its folder
#
# The cluster lives in a temporary folder, listens on a free port on 127.0.0.1 (socket in the same
# folder), runs without fsync (test data only), loads pg_stat_statements when installed, and has two roles:
# With BATON_TEST_POSTGRES_DURABLE=1 it is a second cluster with PostgreSQL's stock durability settings
# (fsync, synchronous_commit and full_page_writes on), for benchmarks: `./baton bench … --backend postgres`
# figures are taken against it.
#   baton_owner      LOGIN, CREATEDB, CREATEROLE: owns the test databases and applies migrations
#                    (this is BATON_TEST_POSTGRES);
#   baton_app_login  LOGIN, member of baton_app: the runtime role the tests connect as; it owns
#                    nothing and has no BYPASSRLS. Its password is fixed: baton_app.
# Only the export line goes to stdout; progress goes to stderr.
set -euo pipefail

PG_VERSION=15
OWNER_ROLE=baton_owner
OWNER_PASSWORD=baton_owner
APP_LOGIN_ROLE=baton_app_login
APP_PASSWORD=baton_app

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One state file per checkout, so several worktrees can each run their own cluster.
durable="${BATON_TEST_POSTGRES_DURABLE:-0}"
suffix=""
if [[ "$durable" == 1 ]]; then suffix="-durable"; fi
state_file="${BATON_TEST_POSTGRES_STATE:-/tmp/baton-test-postgres-$(printf '%s' "$repo_root" | md5sum | cut -c1-12)${suffix}.state}"

log() { echo "test-postgres: $*" >&2; }
die() { log "$*"; exit 1; }

find_bin_dir() {
    local dir="/usr/lib/postgresql/${PG_VERSION}/bin"
    if [[ -x "$dir/pg_ctl" && -x "$dir/initdb" ]]; then echo "$dir"; return 0; fi
    return 1
}

ensure_postgres_installed() {
    if find_bin_dir >/dev/null; then return 0; fi
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL ${PG_VERSION} is not installed and installing it needs root: apt-get install postgresql-${PG_VERSION}"
    log "installing postgresql-${PG_VERSION} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "postgresql-${PG_VERSION}" >&2
    # The Debian package creates and starts a default cluster; the tests do not use it.
    if command -v pg_ctlcluster >/dev/null; then pg_ctlcluster "${PG_VERSION}" main stop >&2 2>/dev/null || true; fi
    find_bin_dir >/dev/null || die "postgresql-${PG_VERSION} installed but /usr/lib/postgresql/${PG_VERSION}/bin is missing"
}

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    # No python3 (a bare Debian): a random high port nobody answers on.
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    die "no free TCP port found"
}

# Runs a PostgreSQL binary as the cluster's OS user: root cannot run postgres itself.
as_cluster_user() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

export_line() {
    local port="$1"
    echo "export BATON_TEST_POSTGRES='Host=127.0.0.1;Port=${port};Username=${OWNER_ROLE};Password=${OWNER_PASSWORD};Database=postgres'"
}

is_running() {
    [[ -f "$state_file" ]] || return 1
    # shellcheck disable=SC1090
    source "$state_file"
    [[ -d "${CLUSTER_DIR:-}" ]] || return 1
    as_cluster_user "$BIN_DIR/pg_ctl" status -D "$CLUSTER_DIR/data" >/dev/null 2>&1
}

start() {
    if is_running; then
        log "already running on port $PORT ($CLUSTER_DIR)"
        export_line "$PORT"
        return 0
    fi
    ensure_postgres_installed
    local bin_dir cluster_dir port
    bin_dir="$(find_bin_dir)"
    cluster_dir="$(mktemp -d /tmp/baton-test-postgres.XXXXXX)"
    if [[ "$(id -u)" == 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        chown postgres: "$cluster_dir"
    fi
    port="$(free_port)"

    log "initdb in $cluster_dir"
    as_cluster_user "$bin_dir/initdb" -D "$cluster_dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$cluster_dir/initdb.log" 2>&1 \
        || { cat "$cluster_dir/initdb.log" >&2; die "initdb failed"; }

    # Test data only: no fsync. The durable (benchmark) cluster keeps the stock settings.
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [[ "$durable" == 1 ]] && durability=""
    # pg_stat_statements when the package ships it (Debian's postgresql-15 does), so a bench run can be broken down by
    # statement: CREATE EXTENSION pg_stat_statements as the postgres user, then read pg_stat_statements.
    local preload=""
    [[ -f "$bin_dir/../lib/pg_stat_statements.so" ]] && preload="-c shared_preload_libraries=pg_stat_statements"
    log "starting on 127.0.0.1:$port${suffix:+ (stock durability: fsync on)}"
    as_cluster_user "$bin_dir/pg_ctl" start -D "$cluster_dir/data" -l "$cluster_dir/postgres.log" -w -t 60 \
        -o "-p $port -k $cluster_dir -c listen_addresses=127.0.0.1 $durability $preload -c max_connections=300" \
        >&2 || { cat "$cluster_dir/postgres.log" >&2; die "PostgreSQL did not start"; }
    for _ in $(seq 1 60); do
        if as_cluster_user "$bin_dir/pg_isready" -q -h "$cluster_dir" -p "$port"; then break; fi
        sleep 0.5
    done
    as_cluster_user "$bin_dir/pg_isready" -q -h "$cluster_dir" -p "$port" || die "PostgreSQL is not ready on port $port"

    cat >"$state_file" <<STATE
CLUSTER_DIR='$cluster_dir'
BIN_DIR='$bin_dir'
PORT='$port'
STATE

    as_cluster_user "$bin_dir/psql" -q -v ON_ERROR_STOP=1 -h "$cluster_dir" -p "$port" -U postgres -d postgres >&2 <<SQL
CREATE ROLE ${OWNER_ROLE} LOGIN CREATEDB CREATEROLE PASSWORD '${OWNER_PASSWORD}';
-- DROP DATABASE … WITH (FORCE) of a test database ends the app role's leftover connections.
GRANT pg_signal_backend TO ${OWNER_ROLE};
CREATE ROLE baton_app NOLOGIN;
CREATE ROLE ${APP_LOGIN_ROLE} LOGIN PASSWORD '${APP_PASSWORD}' IN ROLE baton_app;
SQL
    log "ready"
    export_line "$port"
}

print_env() {
    is_running || die "no cluster is running for $repo_root: run scripts/test-postgres.sh start"
    export_line "$PORT"
}

stop() {
    if [[ ! -f "$state_file" ]]; then log "nothing to stop"; return 0; fi
    # shellcheck disable=SC1090
    source "$state_file"
    if [[ -d "${CLUSTER_DIR:-}/data" ]]; then
        as_cluster_user "$BIN_DIR/pg_ctl" stop -D "$CLUSTER_DIR/data" -m immediate -w >&2 2>/dev/null || true
    fi
    [[ -n "${CLUSTER_DIR:-}" && "$CLUSTER_DIR" == /tmp/baton-test-postgres.* ]] && rm -rf "$CLUSTER_DIR"
    rm -f "$state_file"
    log "stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
