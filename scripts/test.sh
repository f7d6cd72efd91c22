#!/usr/bin/env bash
# The whole test suite: system packages, then every test target (unit, oracle parity, CLI end to end).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/ensure-system-packages.sh
export OPENBLAS_NUM_THREADS=1
swift build --build-tests
swift test --skip-build
# The notebooks, when Python with Notebooks/requirements.txt is here (skipped with a message otherwise).
if command -v python3 >/dev/null 2>&1; then
  python3 scripts/check-notebooks.py .build/debug/obligor
else
  echo "notebooks: SKIPPED (no python3)"
fi
# The report gallery in a real headless Chromium (console errors, charts, PDF pages); skipped with a message when absent.
if command -v python3 >/dev/null 2>&1; then
  python3 scripts/check-reports.py
else
  echo "reports: SKIPPED (no python3)"
fi
