#!/usr/bin/env bash
# Recourse-verification benchmark, in ONE run:
#   1. German (reachml's processed data, action set complex_nD): `obligor recourse verify` with the reference
#      logistic weights and the reference XGBoost model (enumeration + verification + explanations, no stored sets),
#   2. reachml 0.2.0a1 + CPLEX Community Edition enumerating the same reachable sets (ROWS distinct points),
#   3. scale: a GBDT trained here on the Taiwan default data (bench/gbdt/params.json), all 30,000 rows verified
#      under bench/recourse/taiwan_actions.json (continuous amounts cut at the trees' thresholds).
# Writes Reports/benchmarks/recourse.md. reachml needs PY with reachml and cplex (see bench/recourse/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-/tmp/recourse-venv/bin/python}"
ROWS="${ROWS:-997}"
OUT=bench/out/recourse
SCRATCH="${SCRATCH:-.build-recourse}"
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.sqlite
swift build -c release --scratch-path "$SCRATCH" --product obligor >&2
OB="$SCRATCH/release/obligor"
FIX=Tests/ObligorRecourseTests/Fixtures
WS="$OUT/bench.sqlite"
cat /proc/loadavg > "$OUT/loadavg_start.txt"
"$OB" model import Reports/recourse-german/german_logistic.json --name german-lr --format logistic-json --workspace "$WS" >&2
FEATURES=$(head -1 "$FIX/german_processed.csv" | cut -d, -f2-)
"$OB" model import "$FIX/german_complex_nD_xgb.json" --name german-xgb --format xgboost-json --features "$FEATURES" --workspace "$WS" >&2
run() {  # name, then obligor arguments; CPU seconds from /usr/bin/time
  local name=$1; shift
  /usr/bin/time -f '%U %S %e %M' -o "$OUT/$name.time" "$OB" "$@" --workspace "$WS" > "$OUT/$name.json"
}
G=(--data "$FIX/german_processed.csv" --actions "$FIX/german_actionsets.json" --action-set complex_nD --threshold 0.5 --no-store --json)
run german_lr recourse verify --model german-lr "${G[@]}"
run german_lr_noexplain recourse verify --model german-lr "${G[@]}" --no-explain
run german_xgb recourse verify --model german-xgb "${G[@]}" --approve-above
run german_xgb_noexplain recourse verify --model german-xgb "${G[@]}" --approve-above --no-explain
# Taiwan: train a GBDT here, verify every row.
"$OB" data import Datasets/taiwan-default/taiwan_default.csv --name taiwan --target default_next_month --workspace "$WS" >&2
"$OB" train --data taiwan --target default_next_month --model gbdt --name tw-gbdt --config bench/gbdt/params.json --workspace "$WS" >&2
T=(--model tw-gbdt --data taiwan --actions bench/recourse/taiwan_actions.json --threshold 0.5 --no-store --json)
run taiwan_gbdt recourse verify "${T[@]}" --explain-limit 50
run taiwan_gbdt_noexplain recourse verify "${T[@]}" --no-explain
# reachml anchor.
if "$PY" -c "import reachml, cplex" 2>/dev/null; then
  /usr/bin/time -f '%U %S %e %M' -o "$OUT/reachml.time" "$PY" bench/recourse/reachml_anchor.py "$FIX/german_processed.csv" \
      "$FIX/german_actionsets.json" "$FIX/german_complex_nD_reachable_sizes.csv" --rows "$ROWS" > "$OUT/reachml.json"
else
  echo "[recourse] reachml + cplex not importable with $PY: the report quotes notes/recourse.md instead" >&2
fi
cat /proc/loadavg > "$OUT/loadavg_end.txt"
python3 bench/recourse/report.py "$OUT" > Reports/benchmarks/recourse.md
echo "wrote Reports/benchmarks/recourse.md" >&2
