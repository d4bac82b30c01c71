#!/usr/bin/env bash
# Makes sure a Prometheus server binary is present for the metrics end-to-end test.
#
#   scripts/test-prometheus.sh install   # installs Debian's prometheus package when missing (as root); prints its path
#   scripts/test-prometheus.sh path      # prints the binary's path, or fails
#
# The test starts its own Prometheus on free ports with its own configuration and data folder; the
# Debian package's own service is never started (policy-rc.d refuses it during the install, and it is
# stopped should an init system have started it anyway). Progress goes to stderr.
set -euo pipefail

log() { echo "test-prometheus: $*" >&2; }
die() { log "$*"; exit 1; }

find_binary() {
    if [[ -n "${BATON_TEST_PROMETHEUS:-}" && -x "${BATON_TEST_PROMETHEUS}" ]]; then echo "$BATON_TEST_PROMETHEUS"; return 0; fi
    if command -v prometheus >/dev/null 2>&1; then command -v prometheus; return 0; fi
    if [[ -x /usr/bin/prometheus ]]; then echo /usr/bin/prometheus; return 0; fi
    return 1
}

install() {
    if find_binary; then return 0; fi
    [[ "$(id -u)" == 0 ]] || die "Prometheus is not installed and installing it needs root: apt-get install prometheus"
    command -v apt-get >/dev/null 2>&1 || die "Prometheus is not installed and there is no apt-get to install it with"
    log "installing prometheus with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e "$policy" ]]; then
        # Exit 101: "action forbidden", so the package's post-install does not start a daemon of its own.
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod +x "$policy"
        created_policy=1
    fi
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends prometheus >&2 || { [[ $created_policy == 1 ]] && rm -f "$policy"; die "apt-get install prometheus failed"; }
    [[ $created_policy == 1 ]] && rm -f "$policy"
    if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus >/dev/null 2>&1 || true; fi
    find_binary || die "prometheus installed but its binary was not found"
}

case "${1:-}" in
    install) install ;;
    path) find_binary || die "Prometheus is not installed (scripts/test-prometheus.sh install)" ;;
    *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
