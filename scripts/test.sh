#!/usr/bin/env bash
# The whole test suite: system packages, then every test target (unit, oracle parity, CLI end to end).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/ensure-system-packages.sh
export OPENBLAS_NUM_THREADS=1
swift build --build-tests
swift test --skip-build
