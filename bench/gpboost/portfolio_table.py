#!/usr/bin/env python3
"""Portfolio-loss table: Obligor's `obligor portfolio --json` next to GPBoost's anchor portfolio check.

Loss per test period = sum of orig_upb of defaulting loans (LGD 1), 2,000 draws, as in run_gpboost.py.
Usage: portfolio_table.py OUT_DIR MODEL [MODEL ...]   (reads OUT_DIR/anchor.json and OUT_DIR/portfolio_MODEL.json)
"""
import json, sys

out, models = sys.argv[1], sys.argv[2:]
anchor = json.load(open(f"{out}/anchor.json"))["portfolio"]
rows = ["| period | model | realised | pred. mean | q95 | q99 | PIT | pinball 95 | pinball 99 | CRPS |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
def row(t, name, r, mean, q95, q99, pit, p95, p99, crps):
    rows.append(f"| {t} | {name} | {r:.3g} | {mean:.3g} | {q95:.3g} | {q99:.3g} | {pit:.3f} | {p95:.2g} | {p99:.2g} | {crps:.2g} |")
for t in sorted(anchor, key=int):
    for name in ["oracle(true p)", "lightgbm", "gpboost", "glmm_linear_st"]:
        a = anchor[t][name]
        row(t, f"anchor: {name}", a["realised"], a["mean"], a["q95"], a["q99"], a["pit"], a["pinball95"], a["pinball99"], a["crps"])
    for m in models:
        rep = json.load(open(f"{out}/portfolio_{m}.json"))
        for p in rep["periods"]:
            if int(p["period"]) != int(t):
                continue
            for side in ["joint", "independent"]:
                s = p[side]
                row(t, f"Obligor {m} ({side})", p["realised_loss"], s["expected_loss"], s["var"]["0.95"], s["var"]["0.99"], s["pit"],
                    s["pinball"]["0.95"], s["pinball"]["0.99"], s["crps"])
print("\n".join(rows))
