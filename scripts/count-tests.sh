#!/usr/bin/env bash
# Counts the XCTest cases in the console logs of `swift test` runs and prints one line:
# "N passed, N failed" (", N skipped" when any were skipped). A case that started and never
# finished (its process crashed) counts as failed. Exits non-zero if any failed, or if the logs
# hold no test case at all (a run that ran nothing is not a pass).
set -euo pipefail
[ $# -gt 0 ] || { echo "count-tests.sh: no test log given" >&2; exit 2; }
awk '
  FNR == 1 { for (c in open) crashed++; delete open }
  /^Test Case .* started at / { name = $0; sub(/ started at .*/, "", name); open[FILENAME ":" name] = 1 }
  /^Test Case .* (passed|failed|skipped) \(/ {
    name = $0; sub(/ (passed|failed|skipped) \(.*/, "", name); delete open[FILENAME ":" name]
    if ($0 ~ / passed \(/) passed++; else if ($0 ~ / failed \(/) failed++; else skipped++
  }
  END {
    for (c in open) crashed++
    failed += crashed
    line = passed + 0 " passed, " failed + 0 " failed"
    if (skipped > 0) line = line ", " skipped " skipped"
    print line
    exit (failed > 0 || passed + skipped == 0) ? 1 : 0
  }' "$@"
