#!/usr/bin/env bash
# Records the statistics the shipped-model golden test checks (checkpoints/golden-stats.json):
# run after changing a file in checkpoints/ or adding a case to the JSON, then review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
FLAGS=(-c release -Xswiftc -enable-testing)
swift build "${FLAGS[@]}" --build-tests
DRIFT_RECORD_GOLDEN=1 swift test "${FLAGS[@]}" --skip-build --filter ShippedModelGoldenTests
git --no-pager diff --stat -- checkpoints/golden-stats.json || true
