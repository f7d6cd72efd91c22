#!/usr/bin/env bash
# The main job on German credit, end to end, into a fresh workspace:
# system packages → release build → import → stratified 70/30 split → train a WoE scorecard on the
# training part → score, explain and evaluate the hold-out part → HTML report.
# Output: Reports/german/{report.html,scores.csv,reason_codes.json,scorecard.sql} and Reports/german/obligor.sqlite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/ensure-system-packages.sh
swift build -c release --product obligor
bin="$(swift build -c release --show-bin-path)/obligor"
out="$root/Reports/german"
mkdir -p "$out"
export OBLIGOR_WORKSPACE="$out/obligor.sqlite"
rm -f "$OBLIGOR_WORKSPACE"
"$bin" data import Datasets/german/german.csv --name german --target bad \
  --sensitive sex,personal_status_and_sex,age_in_years,foreign_worker
"$bin" data describe german
"$bin" data split german --test-fraction 0.3 --seed 20261129
"$bin" train --data german-train --model scorecard --name german-card
"$bin" score --model german-card --data german-test --out "$out/scores.csv"
"$bin" explain --model german-card --data german-test --top 4 --json > "$out/reason_codes.json"
"$bin" model export german-card "$out/scorecard.sql" --format sql
"$bin" evaluate --model german-card --data german-test --report "$out/report.html" --json > "$out/evaluation.json"
echo "report: $out/report.html" >&2
