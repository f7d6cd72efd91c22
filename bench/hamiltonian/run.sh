#!/usr/bin/env bash
# Hamiltonian scoring benchmark: MLP with each optimizer vs logit and GBDT on a generated Freddie
# panel (out of time), German and Taiwan (random hold-out), 5 seeds; then training speed against
# PyTorch (CPU, same architecture, one run). Writes Reports/hamiltonian.md.
#   bench/hamiltonian/run.sh                     # SEEDS=5 LOANS=1500 HIDDEN=128,64 EPOCHS=30
#   TORCH_PY=/tmp/torch-venv/bin/python ...      # a Python with torch (CPU wheel) for the speed ratio
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
SCRATCH="${SCRATCH:-.build-hnn-rel}"
OUT=bench/out/hamiltonian
mkdir -p "$OUT"
swift build -c release --scratch-path "$SCRATCH" --product obligor >&2
OBL="$SCRATCH/release/obligor"
TORCH_PY="${TORCH_PY:-/tmp/torch-venv/bin/python}"
if [ -x "$TORCH_PY" ] && [ "${SKIP_SPEED:-0}" != 1 ]; then
  "$TORCH_PY" bench/hamiltonian/speed.py "$OBL" "$OUT" > "$OUT/speed.md"
  export SPEED_MD="$OUT/speed.md"
fi
python3 bench/hamiltonian/bench.py "$OBL" "$OUT" Reports/hamiltonian.md   # REPORT_ONLY=1: re-render from results.json
echo "wrote Reports/hamiltonian.md" >&2
