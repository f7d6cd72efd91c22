#!/usr/bin/env python3
"""Split a gen_st_mortgage.py panel into the files the Obligor side reads (stdlib only).

  train_le13.csv  t <= t_split-1 (the training window)
  train_le12.csv  t <= t_split-2 (tuning: fit window)      valid_13.csv  t == t_split-1 (tuning: validation period)
  test.csv        t >= t_split (out of time, horizons 1 and 2)
"""
import csv, sys

src, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src)))
cols = list(rows[0].keys())
t_split = min(int(r["t"]) for r in rows if r["split"] == "test")
parts = {
    "train_le13.csv": [r for r in rows if int(r["t"]) < t_split],
    "train_le12.csv": [r for r in rows if int(r["t"]) < t_split - 1],
    "valid_13.csv": [r for r in rows if int(r["t"]) == t_split - 1],
    "test.csv": [r for r in rows if int(r["t"]) >= t_split],
}
for name, part in parts.items():
    with open(f"{out}/{name}", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(part)
print("t_split", t_split, {k: len(v) for k, v in parts.items()})
