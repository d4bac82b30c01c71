#!/usr/bin/env bash
# Installs what Baton's tests need, builds, and runs the whole test suite.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '\n==> %s\n' "$*"; }

# Python 3 with venv and pip: the agent runs jobs with real interpreters and builds virtual environments.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if ! dpkg -s python3 python3-venv python3-pip >/dev/null 2>&1; then
    log "Installing python3, python3-venv and python3-pip (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
  fi
fi
# Debian's chromium for the dashboard's browser tests (driven by Playwright for .NET; no browser is downloaded).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
  log "Installing chromium (Debian package) for the dashboard's browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# clang and zlib for Native AOT: NativeCliTests publishes the native CLI (src/Baton.Cli.Native) as ./baton does.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! dpkg -s clang zlib1g-dev >/dev/null 2>&1; then
  log "Installing clang and zlib1g-dev (Debian packages) for the native CLI"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev >/dev/null
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "test.sh: python3 is required (Debian: apt-get install python3 python3-venv python3-pip)" >&2
  exit 1
fi

# A throwaway PostgreSQL 15 cluster for the storage contract suite (installed from Debian when missing).
log "Starting a throwaway PostgreSQL cluster"
eval "$(scripts/test-postgres.sh start)"
trap 'scripts/test-postgres.sh stop >/dev/null 2>&1 || true; scripts/test-s3.sh stop >/dev/null 2>&1 || true' EXIT

# A local S3-compatible server (the npm package s3rver) for the S3 blob store's contract tests.
log "Starting a local S3-compatible server"
eval "$(scripts/test-s3.sh start)"

# A Prometheus server binary for the metrics scrape test (Debian's prometheus package when missing; the test starts its own).
log "Checking for Prometheus"
# Not fatal here: without it the scrape test fails (never skips) and says how to install it.
BATON_TEST_PROMETHEUS="$(scripts/test-prometheus.sh install)" || BATON_TEST_PROMETHEUS=""
export BATON_TEST_PROMETHEUS

# openapi-typescript, openapi-fetch and TypeScript (pinned, from npm) for the test that generates an API client.
log "Installing the OpenAPI client generator"
# Not fatal here: without it the generated-client test fails (never skips) and says how to install it.
BATON_TEST_OPENAPI_CLIENT="$(scripts/test-openapi-client.sh install)" || BATON_TEST_OPENAPI_CLIENT=""
export BATON_TEST_OPENAPI_CLIENT

log "Building (Release, warnings are errors)"
dotnet build Baton.slnx -c Release --nologo -v quiet -clp:ErrorsOnly

results="$(pwd)/TestResults"
rm -rf "$results"
log "Running the test suite"
status=0
dotnet test Baton.slnx -c Release --no-build --nologo -m:1 \
  --results-directory "$results" --logger "trx" --logger "console;verbosity=normal" "$@" || status=$?

# The Python SDK's own suite under pytest (and its wheel, into TestResults/sdk/).
log "Running the Python SDK's pytest suite"
scripts/test-sdk.sh || status=1

# The README's first command builds the CLI through ./baton (ReadyToRun, with a plain build as fallback): run that
# build as a newcomer's first `./baton` would, so a broken script fails here and not on their machine.
log "Building the CLI the way ./baton does"
./baton --version || { echo "./baton --version failed"; status=1; }

# Benchmark smoke run: every available scenario in quick mode on both backends, so the harness keeps working.
if [ $status -eq 0 ]; then
  log "Benchmark smoke run (quick mode)"
  for backend in sqlite postgres; do
    for scenario in dispatch agents concurrency api fairness deploy overload metrics python storage; do
      dotnet src/Baton.Cli/bin/Release/net10.0/baton.dll bench "$scenario" --backend "$backend" --quick \
        --json "$results/bench-$scenario-$backend.json" || { echo "bench $scenario on $backend failed"; status=1; }
    done
  done
  dotnet bench/Baton.DashboardBench/bin/Release/net10.0/baton-dashboard-bench.dll --quick \
    --json "$results/bench-dashboard.json" || { echo "bench dashboard failed"; status=1; }
fi
# One closing line for people and CI: N passed, N failed.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    root = ET.parse(path).getroot()
    for result in root.iterfind("t:Results/t:UnitTestResult", ns):
        if result.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip()
            failures.append((result.get("testName"), message.splitlines()[:3]))
    counters = root.find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
# The SDK's pytest results (JUnit XML).
for path in glob.glob(sys.argv[1] + "/sdk/*.xml"):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
        passed += int(suite.get("tests", 0)) - bad - int(suite.get("skipped", 0))
        failed += bad
    for case in ET.parse(path).getroot().iter("testcase"):
        for problem in list(case.findall("failure")) + list(case.findall("error")):
            failures.append(("sdk: %s.%s" % (case.get("classname"), case.get("name")), (problem.get("message") or "").splitlines()[:3]))
# Failed tests last, so the tail of a CI log names them.
for name, message in failures:
    print(f"\nFAILED {name}")
    for text in message:
        print(f"    {text[:300]}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print("\n" + line)
PY
exit $status
