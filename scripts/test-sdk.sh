#!/usr/bin/env bash
# The Python SDK's own suite (pytest from Debian's python3-pytest, installed when missing and run as root) and its
# wheel, built with the standard library into TestResults/sdk/. Usage: scripts/test-sdk.sh [pytest arguments]
# A missing pytest fails the run: the suite is never skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pytest --version >/dev/null 2>&1 \
      && "$candidate" -c 'import ensurepip, venv' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

python="$(find_python)" || python=""
if [ -z "$python" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing python3-pytest and python3-venv (Debian packages)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pytest python3-venv >/dev/null
  python="$(find_python)" || python=""
fi
if [ -z "$python" ]; then
  echo "test-sdk.sh: pytest and venv are required for the SDK's suite (Debian: apt-get install python3-pytest python3-venv)" >&2
  exit 1
fi

mkdir -p TestResults/sdk
"$python" src/Baton.Agent/Python/_build/baton_build.py TestResults/sdk
exec "$python" -m pytest tests/sdk-python -q -p no:cacheprovider --junitxml=TestResults/sdk/pytest.xml "$@"
