#!/usr/bin/env bash
# Sets up the machine, builds Drift (release, with testing enabled) once, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
FLAGS=(-c release -Xswiftc -enable-testing)
swift build "${FLAGS[@]}" --build-tests
swift test "${FLAGS[@]}" --skip-build --parallel --num-workers 2
# The kernel-level suites again under every GEMM path this CPU has (DRIFT_KERNEL forces one;
# the whole suite above ran on the best path). Paths are told apart by CPU features.
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
paths="generic"
has avx2 fma && paths="$paths avx2"
has avx512f avx512bw avx512vl avx512dq && paths="$paths avx512"
for p in $paths; do
  echo "== TensorCore and NN tests with DRIFT_KERNEL=$p"
  DRIFT_KERNEL=$p swift test "${FLAGS[@]}" --skip-build --parallel --num-workers 2 --filter 'TensorCoreTests|NNTests'
done
