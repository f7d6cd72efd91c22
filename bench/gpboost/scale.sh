#!/usr/bin/env bash
# How Obligor's GPBoost (Vecchia, 20 neighbours, 40 rounds, one thread) grows with n and the number of distinct
# locations, on panels from `obligor data generate mortgage-panel`. Prints one Markdown row per size.
#   bench/gpboost/scale.sh                       (sizes: 8000/150, 30000/300, 76000/625 loans/regions, 16 periods)
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PY:-python3}
OUT=$ROOT/bench/out/gpboost/scale
mkdir -p "$OUT"
(cd "$ROOT" && swift build -c release --product obligor >/dev/null)
B=$ROOT/.build/release/obligor
FEAT=credit_score,ltv,dti,ir_spread,loan_age,orig_upb,first_time_buyer,investor,n_borrowers
echo "| loans | regions | train rows | train locations | train CPU s (user+sys) | wall s | peak RSS MB | s per round (last) | test log-loss | oracle log-loss |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for size in ${SIZES:-8000:150 30000:300 76000:625}; do
  loans=${size%%:*}; regions=${size##*:}
  d=$OUT/$loans
  mkdir -p "$d"
  export OBLIGOR_WORKSPACE=$d/ws.sqlite
  rm -f "$OBLIGOR_WORKSPACE"
  "$B" data generate mortgage-panel --seed 3 --n-loans "$loans" --n-regions "$regions" --n-periods 16 --out "$d/panel" 2>/dev/null >/dev/null
  $PY "$ROOT/bench/gpboost/prepare.py" "$d/panel.csv" "$d" >/dev/null
  /usr/bin/time -v "$B" train --data "$d/train_le13.csv" --target default --model gpboost --time t --coords x,y --features $FEAT \
    --name m --gp-approx vecchia --threads 1 > "$d/train.log" 2> "$d/train.time"
  "$B" score --model m --data "$d/test.csv" --out "$d/preds.csv" --threads 1 2> "$d/score.log"
  $PY - "$d" "$loans" "$regions" <<'PY'
import re, sys, csv, math
d, loans, regions = sys.argv[1:4]
t = open(f"{d}/train.time").read(); log = t   # the CLI writes its notes to stderr, next to time -v
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
w = [float(x) for x in re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t).group(1).split(":")]
wall = w[-1] + 60 * w[-2] + (3600 * w[-3] if len(w) > 2 else 0)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
rows = int(re.search(r"on (\d+) rows", log).group(1)); locs = int(re.search(r"(\d+) training locations", log).group(1))
last = float(re.findall(r"evaluations\s+([\d.]+) s", log)[-1])
test = list(csv.DictReader(open(f"{d}/test.csv"))); pd = [float(r["pd"]) for r in csv.DictReader(open(f"{d}/preds.csv"))]
def ll(p, y): p = min(max(p, 1e-15), 1 - 1e-15); return -(y * math.log(p) + (1 - y) * math.log(1 - p))
y = [float(r["default"]) for r in test]
ours = sum(ll(p, v) for p, v in zip(pd, y)) / len(y)
orac = sum(ll(float(r["true_prob"]), v) for r, v in zip(test, y)) / len(y)
print(f"| {loans} | {regions} | {rows} | {locs} | {cpu:.1f} | {wall:.1f} | {rss:.0f} | {last:.2f} | {ours:.5f} | {orac:.5f} |")
PY
done
