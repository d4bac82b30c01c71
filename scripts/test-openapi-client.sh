#!/usr/bin/env bash
# The npm tools of the generated-client test (tests/Baton.EndToEnd.Tests/OpenApiClientTests.cs): openapi-typescript,
# openapi-fetch, TypeScript and Node's types, at the versions pinned in tests/openapi-client/package-lock.json.
#
#   scripts/test-openapi-client.sh install   # npm ci into .build/openapi-client when missing or stale; prints the folder
#   scripts/test-openapi-client.sh path      # prints the folder, or fails when the tools are not installed
#
# Needs Node.js 20 and npm (as scripts/test-s3.sh does) and the npm registry. BATON_TEST_OPENAPI_CLIENT names another
# folder. Only the folder goes to stdout; progress goes to stderr.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="$repo_root/tests/openapi-client"
install_dir="${BATON_TEST_OPENAPI_CLIENT:-$repo_root/.build/openapi-client}"

log() { echo "test-openapi-client: $*" >&2; }
die() { log "$*"; exit 1; }

installed() {
    local package
    for package in openapi-typescript openapi-fetch typescript @types/node; do
        [[ -f "$install_dir/node_modules/$package/package.json" ]] || return 1
    done
    # Installed from the lock file as it is now, not an older one.
    cmp -s "$source_dir/package-lock.json" "$install_dir/package-lock.json"
}

install() {
    if installed; then echo "$install_dir"; return 0; fi
    command -v node >/dev/null || die "node is not installed (apt-get install nodejs npm)"
    command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
    log "installing the pinned openapi-typescript, openapi-fetch and typescript into $install_dir"
    mkdir -p "$install_dir"
    cp "$source_dir/package.json" "$source_dir/package-lock.json" "$install_dir/"
    (cd "$install_dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci in $install_dir failed"
    installed || die "npm ci finished but the tools are not in $install_dir/node_modules"
    echo "$install_dir"
}

case "${1:-}" in
    install) install ;;
    path) installed && echo "$install_dir" || die "the OpenAPI client tools are not installed: scripts/test-openapi-client.sh install" ;;
    *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
