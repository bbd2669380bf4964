#!/usr/bin/env bash
# Counts the test cases of xUnit reports (swift test --xunit-output) and prints one line:
# "N passed, N failed" (", N skipped" when any were skipped). Exits non-zero if any failed,
# or if there is no report or no test case at all (a run that ran nothing is not a pass).
set -euo pipefail
[ $# -gt 0 ] || { echo "count-tests.sh: no xUnit report given" >&2; exit 2; }
awk '
  /<testcase[ >]/ { cases++; open = 1; if ($0 ~ /\/>[[:space:]]*$/) open = 0; next_failed = 0 }
  /<failure[ >]/  { if (!seen[cases]++) failed++ }
  /<skipped[ \/>]/ { if (!skip[cases]++) skipped++ }
  END {
    passed = cases - failed - skipped
    line = passed " passed, " failed + 0 " failed"
    if (skipped > 0) line = line ", " skipped " skipped"
    print line
    exit (failed > 0 || cases == 0) ? 1 : 0
  }' "$@"
