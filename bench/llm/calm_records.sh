#!/usr/bin/env bash
# Records/s of CALM scoring of the German test set: `obligor calm score --model FILE.gguf` (embedded engine,
# shared-instruction cache) against llama.cpp evaluating the same prompts (llama-cpp-python, each prompt from
# an empty cache), one thread each, whole-process wall time for obligor (load + workspace writes included).
# Also compares the two engines' P(good) record by record.
# Usage: bench/llm/calm_records.sh MODEL.gguf [LIMIT=200] [VENV=/tmp/llm-venv]   → a Markdown table row on stdout
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=$1; LIMIT=${2:-200}; VENV=${3:-/tmp/llm-venv}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
swift build -c release --product obligor --scratch-path .build-rel >&2
BIN=$PWD/.build-rel/release/obligor
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
"$BIN" calm prompts --dataset german --split test --out "$WORK/records.jsonl" 2>/dev/null
head -n "$LIMIT" "$WORK/records.jsonl" > "$WORK/limited.jsonl"
start=$(date +%s.%N)
"$BIN" calm score --dataset german --model "$MODEL" --limit "$LIMIT" --run bench --min-coverage 0 --threads 1 \
    --workspace "$WORK/ws.sqlite" --out "$WORK/ours.csv" >/dev/null 2>"$WORK/ours.err"
end=$(date +%s.%N)
"$VENV/bin/python" bench/llm/llamacpp_calm.py "$MODEL" "$WORK/limited.jsonl" --threads 1 > "$WORK/llamacpp.json" 2>/dev/null
python3 - "$WORK" "$start" "$end" "$MODEL" <<'PY'
import csv, json, sys, os
work, start, end, model = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ours = list(csv.DictReader(open(os.path.join(work, "ours.csv"))))
lc = json.load(open(os.path.join(work, "llamacpp.json")))
secs = end - start
diffs = [abs(float(r["p_good"]) - p) for r, p in zip(ours, lc["p_good"]) if r["p_good"] not in ("", "nan") and p is not None]
dp = f"{max(diffs):.1e}" if diffs else "– (no label tokens)"
print(f"| {os.path.basename(model)} | {len(ours)} | {lc['prompt_tokens'] / lc['records']:.0f} | "
      f"{secs:.2f} s = **{len(ours) / secs:.2f} rec/s** | {lc['wall_s']:.2f} s = **{lc['records_per_s']:.2f} rec/s** | "
      f"{secs / lc['wall_s']:.2f} | {dp} |")
PY
