#!/usr/bin/env bash
# Prompt-processing and generation speed: ObligorLlama (obligor-llm-bench) vs llama.cpp
# (llama-cpp-python) on the same random-weight Llama GGUF, single-threaded.
#
# usage: bench/llm/run.sh [--n-vocab 32000] [--n-embd 768] [--n-layer 8] [--n-head 12] [--n-head-kv 12]
#                         [--n-ff 2048] [--type f32] [--prompt-tokens 512] [--gen-tokens 64]
#                         [--threads 1] [--repeat 3]
# environment: LLM_VENV (default /tmp/llm-venv: a venv with gguf, numpy and llama-cpp-python),
#              LLM_BENCH_DIR (default /tmp/obligor-llm-bench: the GGUF and the JSON results),
#              SWIFT_SCRATCH (default .build: SwiftPM's --scratch-path for the release build).
# The model sizes go to bench/llm/make_random_llama.py; the GGUF is reused when it already exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${LLM_VENV:-/tmp/llm-venv}
DIR=${LLM_BENCH_DIR:-/tmp/obligor-llm-bench}
declare -A opt=([n-vocab]=32000 [n-embd]=768 [n-layer]=8 [n-head]=12 [n-head-kv]=12 [n-ff]=2048 [type]=f32
                [prompt-tokens]=512 [gen-tokens]=64 [threads]=1 [repeat]=3)
while [ $# -gt 0 ]; do
  key=${1#--}
  [ -n "${opt[$key]+x}" ] && [ $# -ge 2 ] || { echo "unknown option or missing value: $1" >&2; exit 2; }
  opt[$key]=$2; shift 2
done
mkdir -p "$DIR"
name="llama-v${opt[n-vocab]}-e${opt[n-embd]}-l${opt[n-layer]}-h${opt[n-head]}-kv${opt[n-head-kv]}-f${opt[n-ff]}-${opt[type]}"
model="$DIR/$name.gguf"
if [ ! -f "$model" ]; then
  "$VENV/bin/python" bench/llm/make_random_llama.py "$model" --n-vocab "${opt[n-vocab]}" --n-embd "${opt[n-embd]}" \
    --n-layer "${opt[n-layer]}" --n-head "${opt[n-head]}" --n-head-kv "${opt[n-head-kv]}" --n-ff "${opt[n-ff]}" --type "${opt[type]}" >&2
fi
scratch=(--scratch-path "${SWIFT_SCRATCH:-.build}")
swift build -c release "${scratch[@]}" --product obligor-llm-bench >&2
bin=$(swift build -c release "${scratch[@]}" --show-bin-path)/obligor-llm-bench

# One thread everywhere: OpenBLAS (ours), OpenMP/ggml (llama.cpp).
export OPENBLAS_NUM_THREADS=${opt[threads]} OMP_NUM_THREADS=${opt[threads]}
common=(--prompt-tokens "${opt[prompt-tokens]}" --gen-tokens "${opt[gen-tokens]}" --threads "${opt[threads]}" --repeat "${opt[repeat]}")
"$bin" "$model" "${common[@]}" | tee "$DIR/$name-obligor.json"
"$VENV/bin/python" bench/llm/llamacpp_bench.py "$model" "${common[@]}" | tee "$DIR/$name-llamacpp.json"
"$VENV/bin/python" - "$DIR/$name-obligor.json" "$DIR/$name-llamacpp.json" <<'PY'
import json, sys
o, l = (json.load(open(p)) for p in sys.argv[1:3])
for clock, suffix in (("wall", "_s"), ("process CPU", "_cpu_s")):
    rp = o["prompt" + suffix] / l["prompt" + suffix]
    rg = o["gen" + suffix] / l["gen" + suffix]
    print(f"[{clock}] prompt: obligor {o['prompt_tokens'] / o['prompt' + suffix]:.1f} tok/s, "
          f"llama.cpp {l['prompt_tokens'] / l['prompt' + suffix]:.1f} tok/s, obligor time / llama.cpp time = {rp:.2f}")
    print(f"[{clock}] generation: obligor {o['gen_tokens'] / o['gen' + suffix]:.2f} tok/s, "
          f"llama.cpp {l['gen_tokens'] / l['gen' + suffix]:.2f} tok/s, obligor time / llama.cpp time = {rg:.2f}")
print(f"same greedy tokens (first 8): {o['generated_head'] == l['generated_head']}")
PY
