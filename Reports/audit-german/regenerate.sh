#!/usr/bin/env bash
# Example bias audit on German credit (sex, age > 45, foreign worker, and sex × age band), end to end:
# add a record id → import → stratified 70/30 split → WoE scorecard on the 70% → score the 30% hold-out
# (id,pd) → `obligor audit --scores … --data german-test` joined by the record id.
# Output in Reports/audit-german/: audit.html, audit.json, audit.pdf (when headless Chromium is present),
# scores.csv, and the workspace obligor.sqlite.
# OBLIGOR_BIN=path/to/obligor uses an existing build instead of `swift build -c release`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [[ -z "${OBLIGOR_BIN:-}" ]]; then
  scripts/ensure-system-packages.sh
  swift build -c release --product obligor
  OBLIGOR_BIN="$(swift build -c release --show-bin-path)/obligor"
fi
bin="$OBLIGOR_BIN"
out="$root/Reports/audit-german"
export OBLIGOR_WORKSPACE="$out/obligor.sqlite"
rm -f "$OBLIGOR_WORKSPACE"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# German credit has no record id: number the rows (1-based file row) so predictions join by id, not position.
awk 'NR==1{print "id," $0; next} {print NR-1 "," $0}' Datasets/german/german.csv > "$tmp/german.csv"
"$bin" data import "$tmp/german.csv" --name german --target bad --id id \
  --sensitive sex,personal_status_and_sex,age_in_years,foreign_worker
"$bin" data split german --test-fraction 0.3 --seed 20261129
"$bin" train --data german-train --model scorecard --name german-card
"$bin" score --model german-card --data german-test --out "$out/scores.csv"
pdf_opt=()
if command -v chromium >/dev/null 2>&1 || [[ -n "${OBLIGOR_CHROMIUM:-}" ]]; then pdf_opt=(--pdf "$out/audit.pdf"); fi
"$bin" audit --scores Reports/audit-german/scores.csv --data german-test --id id --threshold 0.3 \
  --sensitive sex --privileged male \
  --sensitive age_in_years --privileged '<=45' --band age_in_years:45 \
  --sensitive foreign_worker --privileged no \
  --intersect sex,age_in_years \
  --seed 20240601 --bootstrap 2000 --min-group-size 30 \
  --title "Bias audit: German credit WoE scorecard (30% hold-out)" \
  --report "$out/audit.html" "${pdf_opt[@]}" --json > "$out/audit.json"
echo "report: $out/audit.html" >&2
