#!/usr/bin/env bash
# End-to-end check of scripts/postgres-pitr.sh on a throwaway cluster: archive WAL, take a base backup, write
# before and after a point in time, restore to that point in a new data folder, and count what came back.
# Prints "restored rows: N (expected N)" and exits 0 only when the point-in-time restore is exact.
# Needs PostgreSQL's binaries (scripts/test-postgres.sh installs them); as root it runs the cluster as `postgres`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[[ -x "$bin/initdb" ]] || { echo "test-postgres-pitr: PostgreSQL binaries not found (run scripts/test-postgres.sh start once)" >&2; exit 1; }
work="$(mktemp -d /tmp/baton-pitr.XXXXXX)"
run() { if [[ "$(id -u)" = 0 ]]; then runuser -u postgres -- env PG_BIN="$bin" "$@"; else env PG_BIN="$bin" "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cleanup() {
    run "$bin/pg_ctl" stop -D "$work/primary" -m immediate >/dev/null 2>&1 || true
    run "$bin/pg_ctl" stop -D "$work/restored" -m immediate >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
[[ "$(id -u)" = 0 ]] && { id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres; chown postgres "$work"; chmod 755 "$work"; cp "$here/postgres-pitr.sh" "$work/pitr.sh"; chown postgres "$work/pitr.sh"; }
[[ "$(id -u)" = 0 ]] || cp "$here/postgres-pitr.sh" "$work/pitr.sh"
pitr="$work/pitr.sh"

port="$(free_port)"
run "$bin/initdb" -D "$work/primary" -U postgres --auth=trust --no-sync >/dev/null
run "$pitr" archive-settings "$work/archive" | run tee -a "$work/primary/postgresql.conf" >/dev/null
printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = ''\n" "$port" "$work" | run tee -a "$work/primary/postgresql.conf" >/dev/null
run "$bin/pg_ctl" start -D "$work/primary" -l "$work/primary.log" -w -t 60 >/dev/null
sql() { run "$bin/psql" -h "$work" -p "$1" -U postgres -d postgres -qAtX -v ON_ERROR_STOP=1 -c "$2"; }

sql "$port" "CREATE TABLE jobs (id int PRIMARY KEY, note text); INSERT INTO jobs SELECT g, 'before the base backup' FROM generate_series(1, 100) g;"
run "$pitr" base-backup "$work/base" -h "$work" -p "$port" -U postgres >/dev/null
sql "$port" "INSERT INTO jobs SELECT g, 'after the backup, before the target' FROM generate_series(101, 200) g;"
target="$(sql "$port" "SELECT now();")"
sleep 1.2
sql "$port" "INSERT INTO jobs SELECT g, 'after the target' FROM generate_series(201, 300) g;"
sql "$port" "SELECT pg_switch_wal();" >/dev/null
# Wait until the segment holding the last inserts is archived.
for _ in $(seq 1 100); do
    [[ "$(sql "$port" "SELECT last_archived_wal IS NOT NULL AND last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver;")" = t ]] && break
    sleep 0.2
done
run "$bin/pg_ctl" stop -D "$work/primary" -m fast >/dev/null

run "$pitr" prepare-restore "$work/base" "$work/archive" "$work/restored" "$target" >/dev/null
restored_port="$(free_port)"
sed -i "s/^port = .*/port = $restored_port/" "$work/restored/postgresql.conf"
run "$bin/pg_ctl" start -D "$work/restored" -l "$work/restored.log" -w -t 120 >/dev/null
for _ in $(seq 1 100); do
    [[ "$(sql "$restored_port" "SELECT NOT pg_is_in_recovery();")" = t ]] && break
    sleep 0.2
done
count="$(sql "$restored_port" "SELECT count(*) FROM jobs;")"
echo "restored rows: $count (expected 200)"
[[ "$count" = 200 ]]
