#!/usr/bin/env bash
# Lines of src/Baton.Storage at a commit, for issue 13's size target ("at least 25 % smaller").
#
#   scripts/storage-lines.sh [COMMIT]      # default HEAD; C# and SQL counted apart
#
# Baseline: ebfded1, main when the December 5 session filed issues 9-16 (the issue lists audit, autoscaling, assets,
# work items and artifacts as still to come; none is in that tree). No commit reproduces the issue's rounded figures
# (8.3k, Sqlite/ 2.7k, Postgres/ 3.6k) in one count: ebfded1 has 7,854 lines of C#, 8,582 with the SQL migrations.
# Features stored since have their own tables; their files are counted apart (ADDED below), so "same scope" compares
# the tables that existed then (jobs, logs, events, agents, queues, schedules, calendars, webhooks, keys, tenants,
# packages, settings, the shared pool) with themselves. Lines are wc -l lines, blank and comment lines included.
set -euo pipefail

commit="${1:-HEAD}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Files of features added after ebfded1, as extended regular expressions on the path below src/Baton.Storage/.
ADDED=(
    'Audit'                                    # audit log (issue 12)
    'DataKey'                                  # sealed data keys (issue 12)
    'Retention'                                # retention (issue 12)
    'Autoscale|Model/Fleet\.cs'                # autoscaler state and fleet reads (issue 10)
    'Statistics'                               # fleet statistics, PostgreSQL pool figures (issue 10)
    'Asset|Checkpoint'                         # assets and job checkpoints (issue 16)
    'Artifact'                                 # job artifacts (issue 16)
    'WorkItem|JobLineage'                      # work items, their triggers, job lineage (issue 16)
    'ApiKeyStore\.Sessions'                    # session revocations (issue 15)
    'Migrations/.*(retention|audit|data_keys|autoscale|assets|artifacts|work_item|session_revocations)'
)
added_pattern="$(IFS='|'; echo "${ADDED[*]}")"

# Per file: its path and line count at the commit.
counts="$(git grep -c '' "$commit" -- 'src/Baton.Storage/*.cs' 'src/Baton.Storage/*.sql' | sed "s#^$commit:src/Baton.Storage/##")"

sum() { awk -F: -v ext="$1" -v dir="$2" -v pick="$3" -v pat="$added_pattern" '
    $1 ~ ("\\." ext "$") && index($1, dir) == 1 {
        added = ($1 ~ pat)
        if (pick == "all" || (pick == "added") == added) s += $2
    }
    END { printf "%d", s }' <<<"$counts"; }

echo "src/Baton.Storage at $(git rev-parse --short "$commit")"
printf '%-12s %8s %8s %8s %8s %8s %8s\n' "" "C# all" "C# same" "C# added" "SQL all" "SQL same" "SQL added"
for dir in "" Relational/ Sqlite/ Postgres/ Model/ Blobs/; do
    printf '%-12s %8s %8s %8s %8s %8s %8s\n' "${dir:-(all)}" \
        "$(sum cs "$dir" all)" "$(sum cs "$dir" same)" "$(sum cs "$dir" added)" \
        "$(sum sql "$dir" all)" "$(sum sql "$dir" same)" "$(sum sql "$dir" added)"
done
echo
echo "Files of features added since the issue (C#):"
awk -F: -v pat="$added_pattern" '$1 ~ /\.cs$/ && $1 ~ pat { printf "  %5d %s\n", $2, $1 }' <<<"$counts"
