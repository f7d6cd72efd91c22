"""LightGBM side of the GBDT benchmark: train on TRAIN.csv, score TEST.csv, print one JSON line.

    python bench/gbdt/anchor_lightgbm.py TRAIN.csv TEST.csv PARAMS.json THREADS
Text columns become pandas categoricals (LightGBM's categorical handling), like Obligor's.
Timed: lgb.train (including Dataset construction/binning) and predict; CSV reading is untimed.
"""
import json, sys, time
import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.metrics import roc_auc_score

train_path, test_path, params_path, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
params = json.load(open(params_path))
tr = pd.read_csv(train_path)
te = pd.read_csv(test_path)
y, yt = tr.pop("bad").values, te.pop("bad").values
for c in tr.columns:
    if not pd.api.types.is_numeric_dtype(tr[c]):
        cats = pd.CategoricalDtype(sorted(set(tr[c].dropna())))
        tr[c] = tr[c].astype(cats)
        te[c] = te[c].astype(cats)
p = {"objective": "binary", "verbose": -1, "num_threads": threads, "deterministic": True, **params}
rounds = p.pop("num_iterations", 100)
t0 = time.perf_counter()
model = lgb.train(p, lgb.Dataset(tr, label=y), num_boost_round=rounds)
train_s = time.perf_counter() - t0
t0 = time.perf_counter()
pd_test = model.predict(te)
predict_s = time.perf_counter() - t0
print(json.dumps({"tool": "lightgbm", "version": lgb.__version__, "threads": threads, "train_rows": len(tr), "test_rows": len(te),
                  "train_seconds": train_s, "predict_seconds": predict_s, "predict_rows_per_second": len(te) / predict_s,
                  "test_auc": roc_auc_score(yt, pd_test), "trees": model.num_trees()}))
