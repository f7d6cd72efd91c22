#!/usr/bin/env bash
# Obligor's GPBoost/GLMM against GPBoost 1.8 on the same generated panel, in one run.
#   bench/gpboost/run.sh [st_50k|scale]        (default st_50k)
# Needs: python3 with gpboost==1.8.0 lightgbm scikit-learn numpy pandas (bench/requirements.txt; set PY=...),
# ../shared/anchors/gpboost (the anchor scripts). Writes bench/out/gpboost/<case>/ and appends the report to
# Reports/benchmarks/gpboost.md by hand (see that file for the recorded runs).
set -euo pipefail
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
PY=${PY:-python3}
CASE=${1:-st_50k}
OUT=$ROOT/bench/out/gpboost/$CASE
mkdir -p "$OUT"
(cd "$ROOT" && swift build -c release --product obligor >/dev/null)
B=$ROOT/.build/release/obligor
export OBLIGOR_WORKSPACE=$OUT/ws.sqlite
rm -f "$OBLIGOR_WORKSPACE"
FEAT=credit_score,ltv,dti,ir_spread,loan_age,orig_upb,first_time_buyer,investor,n_borrowers
GP="--target default --time t --coords x,y --features $FEAT --threads 1"

case $CASE in
  st_50k) $PY "$SHARED/anchors/gpboost/gen_st_mortgage.py" --seed 2 --n-loans 8000 --n-regions 150 --n-periods 16 --out "$OUT/panel" ;;
  *) echo "unknown case $CASE" >&2; exit 2 ;;
esac
$PY "$ROOT/bench/gpboost/prepare.py" "$OUT/panel.csv" "$OUT"

echo "== GPBoost 1.8 (anchor)" >&2
/usr/bin/time -v "$PY" "$SHARED/anchors/gpboost/run_gpboost.py" --data "$OUT/panel.csv" --nrounds-gpb 40 --threads 1 \
  --results "$OUT/anchor.json" --save-preds "$OUT/preds_anchor.csv" > "$OUT/anchor.log" 2> "$OUT/anchor.time"

run_ours() {  # name, extra train args...
  local name=$1; shift
  echo "== Obligor $name" >&2
  /usr/bin/time -v "$B" train --data "$OUT/train_le13.csv" --name "$name" $GP "$@" > "$OUT/$name.train.log" 2> "$OUT/$name.train.time" || { cat "$OUT/$name.train.time" >&2; exit 1; }
  "$B" score --model "$name" --data "$OUT/test.csv" --out "$OUT/preds_$name.csv" --threads 1 2> "$OUT/$name.score.log"
  "$B" model describe "$name" --json > "$OUT/$name.describe.json"
}
run_ours gpboost_vecchia --model gpboost --gp-approx vecchia --neighbors 20 --vecchia-ordering time_random_space
run_ours gpboost_exact --model gpboost
run_ours glmm_vecchia --model glmm --gp-approx vecchia --neighbors 20 --vecchia-ordering time_random_space

# Our tuning: early stopping on the last training period (t = 13), then a refit on t <= 13 with the best round count.
echo "== Obligor tuning" >&2
echo '{"num_iterations": 150, "early_stopping_round": 10}' > "$OUT/tune.json"
"$B" train --data "$OUT/train_le12.csv" --valid "$OUT/valid_13.csv" --name tune --model gpboost --gp-approx vecchia \
  --config "$OUT/tune.json" $GP > "$OUT/tune.log" 2>&1
BEST=$("$B" model describe tune --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["model"]["bestRound"])')
echo "{\"num_iterations\": $BEST}" > "$OUT/tuned.json"
run_ours gpboost_tuned --model gpboost --gp-approx vecchia --config "$OUT/tuned.json"

$PY - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
ours = {}
for name, label in [("gpboost_vecchia", "Obligor GPBoost (Vecchia 20)"), ("gpboost_exact", "Obligor GPBoost (exact)"),
                    ("glmm_vecchia", "Obligor GLMM (Vecchia 20)"), ("gpboost_tuned", "Obligor GPBoost (tuned rounds)")]:
    d = json.load(open(f"{out}/{name}.describe.json"))
    s = open(f"{out}/{name}.score.log").read()
    m = re.search(r"\(([\d.]+) s scoring\)", s)
    ours[label] = {"preds": f"{out}/preds_{name}.csv", "train_time": f"{out}/{name}.train.time",
                   "parameters": d["model"]["gp"]["parameters"], "predict_seconds": float(m.group(1)) if m else float("nan")}
json.dump(ours, open(f"{out}/ours.json", "w"), indent=1)
PY
$PY "$ROOT/bench/gpboost/compare.py" --out "$OUT" --title "$CASE (seed 2, 8000 loans, 150 regions, 16 periods)"

# Portfolio loss per test period (sum of orig_upb of defaulted loans, 2,000 draws, as the anchor).
for m in gpboost_vecchia gpboost_tuned glmm_vecchia; do
  "$B" portfolio --model "$m" --data "$OUT/test.csv" --sims 2000 --seed 1 --threads 1 --json > "$OUT/portfolio_$m.json" 2> "$OUT/portfolio_$m.log"
done
$PY "$ROOT/bench/gpboost/portfolio_table.py" "$OUT" gpboost_vecchia gpboost_tuned glmm_vecchia | tee "$OUT/portfolio.md"
