#!/usr/bin/env bash
# Regenerates the example recourse report on German credit (reachml's processed data and its "Actual"
# action set complex_nD; the logistic weights of the reachml reference, as an Obligor PD model:
# PD(bad) = sigmoid(-b - w.x), approve when PD < 0.5), and the same for the reference XGBoost model.
set -euo pipefail
cd "$(dirname "$0")/../.."
OBLIGOR="${OBLIGOR:-.build-recourse/release/obligor}"
[ -x "$OBLIGOR" ] || swift build -c release --scratch-path .build-recourse --product obligor >&2
FIX=Tests/ObligorRecourseTests/Fixtures
OUT=Reports/recourse-german
WS="$OUT/obligor.sqlite"
rm -f "$WS"
"$OBLIGOR" model import "$OUT/german_logistic.json" --name german-lr --format logistic-json --workspace "$WS" >&2
FEATURES=$(head -1 "$FIX/german_processed.csv" | cut -d, -f2-)
"$OBLIGOR" model import "$FIX/german_complex_nD_xgb.json" --name german-xgb --format xgboost-json --features "$FEATURES" --workspace "$WS" >&2
"$OBLIGOR" recourse verify --model german-lr --data "$FIX/german_processed.csv" --actions "$FIX/german_actionsets.json" \
    --action-set complex_nD --threshold 0.5 --sensitive Male --sensitive Age --band Age:25,45 --sensitive ForeignWorker \
    --out "$OUT/verdicts_lr.csv" --report "$OUT/report.html" --json --workspace "$WS" > "$OUT/recourse_lr.json"
"$OBLIGOR" recourse verify --model german-xgb --data "$FIX/german_processed.csv" --actions "$FIX/german_actionsets.json" \
    --action-set complex_nD --threshold 0.5 --approve-above --sensitive Male --sensitive Age --band Age:25,45 --sensitive ForeignWorker \
    --out "$OUT/verdicts_xgb.csv" --report "$OUT/report_xgb.html" --json --workspace "$WS" > "$OUT/recourse_xgb.json"
rm -f "$WS"
