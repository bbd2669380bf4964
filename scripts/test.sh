#!/usr/bin/env bash
# Sets up the machine, builds Drift (release, with testing enabled) once, and runs the whole test suite,
# then the kernel-level suites again under every GEMM path this CPU has. Ends with one line counting
# every test case of every run: "N passed, N failed" (", N skipped" when any were skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
FLAGS=(-c release -Xswiftc -enable-testing)
swift build "${FLAGS[@]}" --build-tests
REPORTS=$(mktemp -d)
trap 'rm -rf "$REPORTS"' EXIT
status=0
run=0
suite() {  # swift test arguments…; each run's console log is kept for the count
  run=$((run + 1))
  # One process runs the cases in turn (the kernels use both cores): its log names every case
  # passed, failed or skipped, which a parallel run's does not.
  swift test "${FLAGS[@]}" --skip-build "$@" 2>&1 | tee "$REPORTS/run-$run.log" || status=1
}
suite
# The kernel-level suites again under every GEMM path this CPU has (DRIFT_KERNEL forces one;
# the whole suite above ran on the best path). Paths are told apart by CPU features.
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
paths="generic"
has avx2 fma && paths="$paths avx2"
has avx512f avx512bw avx512vl avx512dq && paths="$paths avx512"
for p in $paths; do
  echo "== TensorCore and NN tests with DRIFT_KERNEL=$p"
  DRIFT_KERNEL=$p suite --filter 'TensorCoreTests|NNTests'
done
scripts/count-tests.sh "$REPORTS"/run-*.log || status=1
exit $status
