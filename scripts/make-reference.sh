#!/usr/bin/env bash
# Regenerates the command reference from the argument parser: docs/obligor.1 (man page) and docs/reference.md.
# The CLI tests compare them with a fresh generation, so rerun this after changing any command's options or help.
#   scripts/make-reference.sh [path/to/obligor]     (default: builds and uses the debug binary)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${1:-}"
if [[ -z "$bin" ]]; then
  swift build --product obligor >&2
  bin="$(swift build --show-bin-path)/obligor"
fi
mkdir -p docs
"$bin" help-reference --format man --out docs/obligor.1
"$bin" help-reference --format markdown --out docs/reference.md
echo "wrote docs/obligor.1 and docs/reference.md (read with: man -l docs/obligor.1)" >&2
