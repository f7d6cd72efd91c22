#!/usr/bin/env python3
"""PMML parity: the PMML 4.4 documents `obligor model export --format pmml` writes for the
scorecard and the GBDT, evaluated by an independent evaluator (pypmml, JPMML inside a JVM),
reproduce `obligor score` PDs on German and Taiwan within 1e-12 (absolute).

    pip install pypmml            # needs a Java runtime
    OBLIGOR=.build-prod/debug/obligor python3 bench/pmml/check.py [--rows N]

The tolerance: both sides evaluate the same doubles (numbers are written in shortest round-trip
form), but the evaluator sums trees/characteristics in its own order and has its own exp; those
differ from ours by a few ulps of the margin, far below 1e-12 on a PD. Exit status 1 on a mismatch.
"""
import csv, json, os, subprocess, sys, tempfile
from pypmml import Model

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OB = os.environ.get("OBLIGOR", os.path.join(ROOT, ".build/debug/obligor"))
ROWS = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else None
DATASETS = [
    ("german", "Datasets/german/german.csv", "bad", {"duration_in_month": [6]}),
    ("taiwan", "Datasets/taiwan-default/taiwan_default.csv", "default_next_month", {"MonthsWithZeroBalanceOverLast6Months": [6]}),
]

def ob(*args, ws):
    r = subprocess.run([OB, *args, "--workspace", ws], capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    if r.returncode != 0:
        sys.exit(f"obligor {' '.join(args)} failed: {r.stderr}")
    return r.stdout

worst_all = 0.0
results = []
with tempfile.TemporaryDirectory() as tmp:
    for name, path, target, specials in DATASETS:
        src = os.path.join(ROOT, path)
        with open(src, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = list(reader)
        if ROWS:
            rows = rows[:ROWS]
            src = os.path.join(tmp, f"{name}.csv")
            with open(src, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows(rows)
        def value(v):
            if v == "":
                return None
            try:
                return float(v)
            except ValueError:
                return v
        cols = [c for c in header if c != target]
        records = [{c: value(r[k]) for k, c in enumerate(header) if c != target} for r in rows]
        ws = os.path.join(tmp, f"{name}.sqlite")
        ob("data", "import", src, "--name", name, "--target", target, ws=ws)
        specials = {k: v for k, v in specials.items() if k in cols}
        for kind, cfg in [("scorecard", {"special_values": specials}),
                          ("gbdt", {"num_iterations": 100, "num_leaves": 15, "learning_rate": 0.1, "seed": 1, "special_values": specials})]:
            cfg_path = os.path.join(tmp, f"{name}-{kind}.json")
            json.dump(cfg, open(cfg_path, "w"))
            ob("train", "--data", name, "--model", kind, "--name", kind, "--config", cfg_path, ws=ws)
            pmml = os.path.join(tmp, f"{name}-{kind}.pmml")
            ob("model", "export", kind, pmml, "--format", "pmml", ws=ws)
            scores = os.path.join(tmp, f"{name}-{kind}-scores.csv")
            ob("score", "--model", kind, "--data", src, "--out", scores, ws=ws)
            with open(scores, newline="") as fh:
                ours = [float(r["pd"]) for r in csv.DictReader(fh)]
            model = Model.fromFile(pmml)
            theirs = [model.predict(rec)["pd"] for rec in records]
            worst = max(abs(a - b) for a, b in zip(ours, theirs))
            assert len(ours) == len(theirs) == len(records)
            worst_all = max(worst_all, worst)
            results.append((name, kind, len(ours), worst))
            print(f"{name:7s} {kind:9s} rows {len(ours):6d}  max |pd_obligor - pd_pypmml| = {worst:.3e}", flush=True)
print("PASS" if worst_all <= 1e-12 else "FAIL", f"(worst {worst_all:.3e}, tolerance 1e-12)")
sys.exit(0 if worst_all <= 1e-12 else 1)
