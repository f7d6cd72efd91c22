"""Benchmark data for GBDT: German, Taiwan default (fixed stratified splits) and a synthetic
1M x 50 set with interactions and 5% missing values. Writes CSVs (target column `bad`) into OUT.

    python bench/gbdt/gen_data.py OUT [--rows 1000000] [--seed 20261129]
"""
import argparse, os
import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--test-rows", type=int, default=200_000)
ap.add_argument("--seed", type=int, default=20261129)
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

def split(df, target, name, seed):
    rng = np.random.default_rng(seed)
    test = np.zeros(len(df), bool)
    for cls in (0, 1):
        idx = np.flatnonzero(df[target].values == cls)
        rng.shuffle(idx)
        test[idx[: int(round(0.3 * len(idx)))]] = True
    df = df.rename(columns={target: "bad"})
    df[~test].to_csv(os.path.join(a.out, f"{name}_train.csv"), index=False, na_rep="NA")
    df[test].to_csv(os.path.join(a.out, f"{name}_test.csv"), index=False, na_rep="NA")

german = pd.read_csv(os.path.join(root, "Datasets/german/german.csv")).drop(columns=["sex"])
split(german, "bad", "german", a.seed)
taiwan = pd.read_csv(os.path.join(root, "Datasets/taiwan-default/taiwan_default.csv"))
split(taiwan, "default_next_month", "taiwan", a.seed)

def synthetic(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 50))
    X[:, 10:20] = rng.uniform(-2, 2, size=(n, 10))
    X[:, 20:25] = np.round(X[:, 20:25] * 3)           # integer-valued features
    eta = (-2 + 0.8 * X[:, 0] - 0.6 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3] + 0.7 * np.sin(2 * X[:, 4])
           + 0.4 * (X[:, 5] > 0.5) * X[:, 6] + 0.3 * X[:, 10] ** 2 - 0.25 * X[:, 20] + 0.2 * X[:, 7:10].sum(axis=1))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    X[rng.uniform(size=X.shape) < 0.05] = np.nan
    df = pd.DataFrame(X, columns=[f"x{j:02d}" for j in range(50)]).round(6)
    df["bad"] = y
    return df

synthetic(a.rows, a.seed).to_csv(os.path.join(a.out, "synthetic_train.csv"), index=False, na_rep="NA")
synthetic(a.test_rows, a.seed + 1).to_csv(os.path.join(a.out, "synthetic_test.csv"), index=False, na_rep="NA")
print("wrote", a.out)
