#!/usr/bin/env python3
"""Obligor vs GPBoost 1.8 on one generated panel: accuracy per horizon, parameters, time, truth.

Reads the anchor's results JSON (run_gpboost.py --results), Obligor's score CSVs for test.csv, Obligor's
model descriptions (JSON from `obligor model describe --json`) and /usr/bin/time -v logs; writes Markdown.
"""
import argparse, json, math, re
import numpy as np, pandas as pd
from sklearn.metrics import roc_auc_score

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--title", required=True)
a = ap.parse_args()
D = a.out

def ll(p, y):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

def cpu(path):
    t = open(path).read()
    u = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
    s = float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t).group(1)
    parts = [float(x) for x in wall.split(":")]
    w = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
    return u + s, w, rss

anchor = json.load(open(f"{D}/anchor.json"))
test = pd.read_csv(f"{D}/test.csv")
apred = pd.read_csv(f"{D}/preds_anchor.csv")
assert len(apred) == len(test) and (apred["loan_id"].values == test["loan_id"].values).all()
y = test["default"].to_numpy(float)
models = {"oracle (true p)": test["true_prob"].to_numpy(float),
          "GPBoost 1.8": apred["p_gpboost"].to_numpy(float),
          "GPBoost linear ST GLMM": apred["p_glmm_linear_st"].to_numpy(float),
          "LightGBM": apred["p_lightgbm"].to_numpy(float)}
ours = json.load(open(f"{D}/ours.json"))
for name, info in ours.items():
    models[name] = pd.read_csv(info["preds"])["pd"].to_numpy(float)

lines = [f"## {a.title}", "",
         f"Train {anchor['n_train']} rows ({anchor['n_unique_train_locations']} distinct (t, x, y)), test {anchor['n_test']} rows "
         f"(periods {sorted(set(test['t']))}), GPBoost 1.8 `gp_approx={anchor['gp_approx']}`, one thread everywhere.", "",
         "| model | test AUC | test log-loss | Brier | log-loss gap to oracle | AUC h=1 | log-loss h=1 | AUC h=2 | log-loss h=2 |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
oracle_ll = ll(models["oracle (true p)"], y)
periods = sorted(set(test["t"]))
for name, p in models.items():
    row = [name, f"{roc_auc_score(y, p):.4f}", f"{ll(p, y):.5f}", f"{np.mean((p - y) ** 2):.5f}", f"{ll(p, y) - oracle_ll:+.5f}"]
    for t in periods:
        m = test["t"].to_numpy() == t
        row += [f"{roc_auc_score(y[m], p[m]):.4f}", f"{ll(p[m], y[m]):.5f}"]
    lines.append("| " + " | ".join(row) + " |")

lines += ["", "Per-row agreement with GPBoost's predicted probabilities:", "",
          "| model | Spearman vs GPBoost | mean abs dp / mean p |", "|---|---:|---:|"]
g = models["GPBoost 1.8"]
for name in ours:
    p = models[name]
    rho = pd.Series(p).rank().corr(pd.Series(g).rank())
    lines.append(f"| {name} | {rho:.4f} | {np.mean(np.abs(p - g)) / np.mean(g):.3f} |")

lines += ["", "Covariance parameters (truth: GP_var 0.8, range_time 2, range_space 9):", "",
          "| model | GP_var | GP_range_time | GP_range_space | max abs log ratio vs GPBoost |", "|---|---:|---:|---:|---:|"]
cp = anchor["cov_pars"]
ref = [cp["gpboost"]["GP_var"], cp["gpboost"]["GP_range_time"], cp["gpboost"]["GP_range_space"]]
lines.append(f"| GPBoost 1.8 | {ref[0]:.3f} | {ref[1]:.3f} | {ref[2]:.3f} | - |")
g2 = cp.get("glmm_linear_st")
if g2:
    lines.append(f"| GPBoost GLMM | {g2['GP_var']:.3f} | {g2['GP_range_time']:.3f} | {g2['GP_range_space']:.3f} | - |")
for name, info in ours.items():
    th = info.get("parameters")
    if th:
        r = max(abs(math.log(th[k] / ref[k])) for k in range(3))
        lines.append(f"| {name} | {th[0]:.3f} | {th[1]:.3f} | {th[2]:.3f} | {r:.3f} |")

am = anchor["models"]
lines += ["", "Time (GPBoost: process CPU seconds of `fit` / `predict` inside Python; Obligor: the whole `obligor train` / "
          "`obligor score` process from `/usr/bin/time -v` (user + system), which also parses the CSV, and the in-process "
          "scoring seconds the CLI prints):", "",
          "| model | train CPU s | ratio to GPBoost (train) | predict s | peak RSS MB |", "|---|---:|---:|---:|---:|",
          f"| GPBoost 1.8 | {am['gpboost']['train_cpu_s']:.2f} | 1 | {am['gpboost']['predict_cpu_s']:.3f} | - |",
          f"| GPBoost GLMM | {am['glmm_linear_st']['train_cpu_s']:.2f} | - | {am['glmm_linear_st']['predict_cpu_s']:.3f} | - |"]
for name, info in ours.items():
    c, w, rss = cpu(info["train_time"])
    base = am["glmm_linear_st" if "GLMM" in name else "gpboost"]["train_cpu_s"]
    lines.append(f"| {name} | {c:.2f} | {c / base:.3f} | {info.get('predict_seconds', float('nan')):.3f} | {rss:.0f} |")
open(f"{D}/report.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
