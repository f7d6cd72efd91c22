#!/usr/bin/env bash
# Regenerates the example PD backtest report from synthetic Freddie Mac data (no real data involved):
# generate 1999–2012 (2,000 loans per vintage) → import-freddie (24-month window) → logit trained on
# vintages ≤ 2004 → backtest on 2005–2012 with report, JSON and (when Chromium is installed) PDF.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scratch="${OBLIGOR_SCRATCH:-.build-freddie-rel}"
cd "$root"
swift build -c release --product obligor --scratch-path "$scratch" >/dev/null
bin="$root/$scratch/release/obligor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OBLIGOR_WORKSPACE="$work/obligor.sqlite" OPENBLAS_NUM_THREADS=1

"$bin" data generate freddie --vintages 1999-2012 --loans-per-vintage 2000 --seed 20240601 --out "$work/fm" 2> "$here/generate.log"
args=()
for y in $(seq 1999 2012); do args+=(--origination "$work/fm/sample_orig_$y.txt" --performance "$work/fm/sample_svcg_$y.txt"); done
"$bin" data import-freddie "${args[@]}" --name fm --horizon 24 2> "$here/import.log"
echo '{"lambda_l2": 1.0}' > "$work/logit.json"
"$bin" train --data fm --model logit --name fm-logit --time vintage --train-until 2004 --config "$work/logit.json" 2> "$here/train.log"
pdf=()
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || [ -n "${OBLIGOR_CHROMIUM:-}" ]; then
  pdf=(--pdf "$here/report.pdf")
fi
"$bin" backtest --model fm-logit --data fm --time vintage --report "$here/report.html" "${pdf[@]}" \
  --title "PD backtest: logit (vintages ≤ 2004) on synthetic Freddie Mac 2005–2012" --json > "$here/backtest.json" 2> "$here/backtest.log"
# Keep the logs free of temporary paths.
sed -i "s#$work#\$WORK#g" "$here"/*.log "$here/backtest.json" "$here/report.html"
echo "wrote $here/report.html and backtest.json"
