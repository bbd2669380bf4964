#!/usr/bin/env bash
# Sets up the machine, builds Drift in release mode and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product drift
swift test -c release -Xswiftc -enable-testing --parallel --num-workers 2
