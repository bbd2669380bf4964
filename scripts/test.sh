#!/usr/bin/env bash
# Sets up the machine, builds Drift (release, with testing enabled) once, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
FLAGS=(-c release -Xswiftc -enable-testing)
swift build "${FLAGS[@]}" --build-tests
swift test "${FLAGS[@]}" --skip-build --parallel --num-workers 2
