#!/usr/bin/env python3
"""Hamiltonian scoring benchmark: drives the `obligor` CLI and writes Reports/hamiltonian.md.

Datasets
  freddie  generated Freddie panel (obligor data generate freddie + import-freddie, 36-month default),
           train on vintages <= 2005, out-of-time tests 2006-2008 and 2009-2012; paper's seven fields.
  german   Datasets/german, random stratified 70/30 split (seed = replication seed).
  taiwan   Datasets/taiwan-default, random stratified 70/30 split (seed = replication seed).
Models
  MLP (hnn) with hamiltonian-paper (symplectic Euler and leapfrog), hamiltonian-code, adam, sgd;
  logistic regression (logit, ridge 1.0); GBDT (gbdt, LightGBM defaults).
Every number is a probabilistic AUC / Brier computed by `obligor evaluate` on PDs.

Usage: bench.py OBLIGOR_BINARY OUTDIR REPORT.md  (env: SEEDS=5, LOANS=1500, HIDDEN=128,64, EPOCHS=30)
Only the Python standard library is used.
"""
import json
import os
import statistics
import subprocess
import sys
import time

OBL, OUT, REPORT = sys.argv[1], sys.argv[2], sys.argv[3]
SEEDS = int(os.environ.get("SEEDS", "5"))
LOANS = int(os.environ.get("LOANS", "1500"))
HIDDEN = [int(h) for h in os.environ.get("HIDDEN", "128,64").split(",")]
EPOCHS = int(os.environ.get("EPOCHS", "30"))
ONLY = os.environ.get("DATASETS", "freddie,german,taiwan").split(",")
WS = os.path.join(OUT, "obligor.sqlite")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")

MLPS = [  # (label, optimizer, extra config)
    ("MLP hamiltonian-paper (symplectic Euler)", "hamiltonian-paper", {"integrator": "symplectic-euler"}),
    ("MLP hamiltonian-paper (leapfrog)", "hamiltonian-paper", {"integrator": "leapfrog"}),
    ("MLP hamiltonian-code", "hamiltonian-code", {}),
    ("MLP adam", "adam", {}),
    ("MLP sgd", "sgd", {}),
]


def run(args, check=True):
    r = subprocess.run([OBL] + args + ["--workspace", WS], capture_output=True, text=True, env=ENV)
    if check and r.returncode != 0:
        sys.exit(f"obligor {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r


def run_json(args):
    return json.loads(run(args + ["--json"]).stdout)


def write_config(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def prepare_freddie():
    raw = os.path.join(OUT, "freddie-raw")
    if not os.path.isdir(raw):
        subprocess.run([OBL, "data", "generate", "freddie", "--vintages", "1999-2012", "--loans-per-vintage", str(LOANS),
                        "--seed", "11", "--cutoff", "201612", "--out", raw], check=True, capture_output=True, env=ENV)
    args = ["data", "import-freddie", "--name", "fm", "--horizon", "36"]
    for v in range(1999, 2013):
        args += ["--origination", f"{raw}/sample_orig_{v}.txt", "--performance", f"{raw}/sample_svcg_{v}.txt"]
    run(args)
    run(["data", "split", "fm", "--until", "2005"])          # fm-train (<= 2005), fm-test (2006-2012)
    run(["data", "split", "fm-test", "--until", "2008"])     # fm-test-train (2006-08), fm-test-test (2009-12)
    d = run_json(["data", "describe", "fm"])
    return d


def hnn_config(extra):
    cfg = {"hidden_layers": HIDDEN, "epochs": EPOCHS}
    cfg.update(extra)
    return cfg


def train_and_eval(dataset, seed, label, train_args, train_data, tests, kind):
    name = f"{dataset}-{label.replace(' ', '_').replace('(', '').replace(')', '')}-{seed}"
    t0 = time.time()
    tr = run_json(["train", "--data", train_data, "--name", name, "--replace"] + train_args)
    wall = time.time() - t0
    row = {"dataset": dataset, "seed": seed, "model": label, "train_seconds": tr["seconds"], "wall_seconds": wall,
           "in_auc": tr["in_sample"]["auc"], "in_brier": tr["in_sample"]["brier"], "tests": {}}
    for tname, tdata in tests:
        ev = run_json(["evaluate", "--model", name, "--data", tdata])
        row["tests"][tname] = {"auc": ev["auc"], "brier": ev["brier"]}
    return row


def models(dataset, seed, train_data, tests, target_args, baseline_features=None, time_args=()):
    rows = []
    for label, opt, extra in MLPS:
        cfg = write_config(f"hnn-{dataset}-{opt}-{extra.get('integrator', '')}.json", hnn_config(extra))
        rows.append(train_and_eval(dataset, seed, label, ["--model", "hnn", "--optimizer", opt, "--config", cfg, "--seed", str(seed)]
                                   + target_args + list(time_args), train_data, tests, "hnn"))
    logit_cfg = {"lambda_l2": 1.0}
    if baseline_features:
        logit_cfg["features"] = baseline_features
    rows.append(train_and_eval(dataset, seed, "logistic regression", ["--model", "logit", "--config", write_config(f"logit-{dataset}.json", logit_cfg)]
                               + target_args, train_data, tests, "logit"))
    gb_cfg = {"seed": seed}
    if baseline_features:
        gb_cfg["features"] = baseline_features
    rows.append(train_and_eval(dataset, seed, "GBDT", ["--model", "gbdt", "--config", write_config(f"gbdt-{dataset}-{seed}.json", gb_cfg)]
                               + target_args, train_data, tests, "gbdt"))
    for r in rows:
        print(f"[{dataset} seed {seed}] {r['model']:42s} in {r['in_auc']:.4f} "
              + " ".join(f"{k} {v['auc']:.4f}" for k, v in r["tests"].items()) + f"  {r['train_seconds']:.2f}s", file=sys.stderr, flush=True)
    return rows


def main():
    os.makedirs(OUT, exist_ok=True)
    if os.environ.get("REPORT_ONLY") == "1":  # re-render from the last results.json (e.g. after a new speed run)
        with open(os.path.join(OUT, "results.json")) as f:
            saved = json.load(f)
        write_report(saved["results"], saved["meta"])
        return
    if os.path.exists(WS):
        os.remove(WS)
    results = []
    meta = {}
    started = time.time()
    if "freddie" in ONLY:
        d = prepare_freddie()
        meta["freddie_rows"] = d.get("rows")
        fm_train = run_json(["data", "describe", "fm-train"])
        fm_a = run_json(["data", "describe", "fm-test-train"])
        fm_b = run_json(["data", "describe", "fm-test-test"])
        meta["freddie_split"] = {"train": fm_train.get("rows"), "oot_2006_2008": fm_a.get("rows"), "oot_2009_2012": fm_b.get("rows")}
        for seed in range(1, SEEDS + 1):
            # Paper features by default (hnn); logit/gbdt get the same fields with borrowers as a number.
            results += models("freddie", seed, "fm-train", [("oot_2006_2008", "fm-test-train"), ("oot_2009_2012", "fm-test-test")],
                              ["--target", "default_36m"], baseline_features=["fico", "mi_pct", "units", "cltv", "dti", "ltv", "borrowers"],
                              time_args=("--time", "vintage"))
    for ds, csv, target, sensitive in [
        ("german", "Datasets/german/german.csv", "bad", "sex,personal_status_and_sex,age_in_years,foreign_worker"),
        ("taiwan", "Datasets/taiwan-default/taiwan_default.csv", "default_next_month",
         "Married,Single,Age_lt_25,Age_in_25_to_40,Age_in_40_to_59,Age_geq_60"),
    ]:
        if ds not in ONLY:
            continue
        for seed in range(1, SEEDS + 1):
            name = f"{ds}{seed}"
            run(["data", "import", csv, "--name", name, "--target", target, "--sensitive", sensitive])
            run(["data", "split", name, "--test-fraction", "0.3", "--seed", str(seed)])
            results += models(ds, seed, f"{name}-train", [("holdout", f"{name}-test")], [])
    meta["total_seconds"] = time.time() - started
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    write_report(results, meta)


def ms(xs, digits=3):
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{statistics.mean(xs):.{digits}f} ± {statistics.stdev(xs):.{digits}f}"


def write_report(results, meta):
    from report import render  # bench/hamiltonian/report.py
    text = render(results, meta, dict(seeds=SEEDS, loans=LOANS, hidden=HIDDEN, epochs=EPOCHS))
    with open(REPORT, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
