#!/usr/bin/env bash
# A throwaway S3-compatible server (s3rver, from npm) for the blob store tests.
#
#   eval "$(scripts/test-s3.sh start)"   # start (installing s3rver when missing); exports BATON_TEST_S3
#   scripts/test-s3.sh env               # print the export line again
#   scripts/test-s3.sh stop              # stop the server and delete its data folder
#
# s3rver 3.x is installed once into .build/s3rver under the repository (git-ignored) with npm; it
# needs Node.js and npm (Node 20 on Debian 12 works) and the npm registry. The server listens on a
# free port on 127.0.0.1, keeps its buckets in a temporary folder, and accepts the access key
# S3RVER with the secret S3RVER. Only the export line goes to stdout; progress goes to stderr.
set -euo pipefail

S3RVER_VERSION=3

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="${BATON_S3RVER_DIR:-$repo_root/.build/s3rver}"
# One state file per checkout, so several worktrees can each run their own server.
state_file="${BATON_TEST_S3_STATE:-/tmp/baton-test-s3-$(printf '%s' "$repo_root" | md5sum | cut -c1-12).state}"

log() { echo "test-s3: $*" >&2; }
die() { log "$*"; exit 1; }

ensure_s3rver_installed() {
    if [[ -f "$install_dir/node_modules/s3rver/package.json" ]]; then return 0; fi
    command -v node >/dev/null || die "node is not installed (apt-get install nodejs npm)"
    command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
    log "installing s3rver@${S3RVER_VERSION} into $install_dir"
    mkdir -p "$install_dir"
    # A package.json of its own keeps npm from installing into a parent folder.
    [[ -f "$install_dir/package.json" ]] || echo '{ "name": "baton-test-s3rver", "private": true }' >"$install_dir/package.json"
    (cd "$install_dir" && npm install --no-audit --no-fund --loglevel=error "s3rver@${S3RVER_VERSION}" >&2) \
        || die "npm install s3rver@${S3RVER_VERSION} failed"
}

# The launcher binds port 0 (the kernel picks a free port, so there is no race) and writes the
# port it got into a file the script waits for.
write_launcher() {
    cat >"$install_dir/run-s3rver.js" <<'JS'
'use strict';
const fs = require('fs');
const S3rver = require('s3rver');
const [directory, portFile] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
server.run().then(
  // Written as "PORT PID" in one go, so the script never reads half a line.
  (address) => {
    fs.writeFileSync(portFile + '.tmp', `${address.port} ${process.pid}\n`);
    fs.renameSync(portFile + '.tmp', portFile);
  },
  (error) => { console.error(error); process.exit(1); },
);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
JS
}

export_line() {
    echo "export BATON_TEST_S3='http://127.0.0.1:$1'"
}

is_running() {
    [[ -f "$state_file" ]] || return 1
    # shellcheck disable=SC1090
    source "$state_file"
    [[ -n "${PID:-}" ]] && kill -0 "$PID" 2>/dev/null
}

answers() {
    # Any HTTP answer will do (an anonymous ListBuckets is refused with 403, which is fine).
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 1
    if command -v curl >/dev/null; then curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; fi
}

start() {
    if is_running; then
        log "already running on port $PORT ($DATA_DIR)"
        export_line "$PORT"
        return 0
    fi
    ensure_s3rver_installed
    write_launcher
    local data_dir port_file pid port=""
    data_dir="$(mktemp -d /tmp/baton-test-s3.XXXXXX)"
    port_file="$data_dir/port"
    mkdir -p "$data_dir/buckets"

    log "starting s3rver with data in $data_dir"
    # setsid: the server must outlive this script, and not share its process group's signals.
    (cd "$install_dir" && exec setsid node run-s3rver.js "$data_dir/buckets" "$port_file" \
        </dev/null >"$data_dir/s3rver.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 100); do
        if [[ -s "$port_file" ]]; then read -r port pid <"$port_file"; break; fi
        kill -0 "$pid" 2>/dev/null || { cat "$data_dir/s3rver.log" >&2; rm -rf "$data_dir"; die "s3rver exited"; }
        sleep 0.1
    done
    [[ -n "$port" ]] || { kill "$pid" 2>/dev/null || true; cat "$data_dir/s3rver.log" >&2; rm -rf "$data_dir"; die "s3rver did not start"; }
    for _ in $(seq 1 50); do
        if answers "$port"; then break; fi
        sleep 0.1
    done
    answers "$port" || { kill "$pid" 2>/dev/null || true; rm -rf "$data_dir"; die "s3rver does not answer on port $port"; }

    cat >"$state_file" <<STATE
DATA_DIR='$data_dir'
PID='$pid'
PORT='$port'
STATE
    log "ready on 127.0.0.1:$port (pid $pid)"
    export_line "$port"
}

print_env() {
    is_running || die "no s3rver is running for $repo_root: run scripts/test-s3.sh start"
    export_line "$PORT"
}

stop() {
    if [[ ! -f "$state_file" ]]; then log "nothing to stop"; return 0; fi
    # shellcheck disable=SC1090
    source "$state_file"
    if [[ -n "${PID:-}" ]] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$PID" 2>/dev/null || true
    fi
    [[ -n "${DATA_DIR:-}" && "$DATA_DIR" == /tmp/baton-test-s3.* ]] && rm -rf "$DATA_DIR"
    rm -f "$state_file"
    log "stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
