"""Oracle fixtures for ObligorBoostingTests: XGBoost and LightGBM margins on committed inputs.

Run from the repository root with a virtualenv holding numpy, pandas, xgboost and lightgbm:
    /tmp/oracle-venv/bin/python Tests/ObligorBoostingTests/Fixtures/make_tree_fixtures.py
Inputs: ../shared/fixtures/recourse/german/{german_processed.csv, reference/german_complex_nD_xgb.json}
(reachml's German data and XGBoost model) and Datasets/german/german.csv. Everything written here is
deterministic for the pinned versions recorded in tree_fixture_versions.json.
"""
import json, os, shutil
import numpy as np
import pandas as pd
import xgboost as xgb
import lightgbm as lgb

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(os.path.dirname(here), "..", "..", "..", "shared", "fixtures", "recourse", "german")
shared = os.path.normpath(shared)

# 1. XGBoost: the recourse issue's model, margins on all 1000 rows plus 100 rows with injected NaNs.
shutil.copy(os.path.join(shared, "reference", "german_complex_nD_xgb.json"), os.path.join(here, "german_xgb.json"))
data = pd.read_csv(os.path.join(shared, "german_processed.csv"))
X = data.drop(columns=["IsCreditRiskGood"]).astype(float)
rng = np.random.default_rng(20261129)
extra = X.sample(100, random_state=7).reset_index(drop=True)
mask = rng.random(extra.shape) < 0.3
extra = extra.mask(mask)
inputs = pd.concat([X, extra], ignore_index=True)
inputs.to_csv(os.path.join(here, "xgb_inputs.csv"), index=False, na_rep="NA")
booster = xgb.Booster()
booster.load_model(os.path.join(here, "german_xgb.json"))
dm = xgb.DMatrix(inputs.values, missing=np.nan)
margins = booster.predict(dm, output_margin=True).astype(float).tolist()
contribs = booster.predict(dm, pred_contribs=True)[:20].astype(float).tolist()
json.dump({"feature_names": list(X.columns), "margins": margins, "shap_first20": contribs},
          open(os.path.join(here, "xgb_margins.json"), "w"))

# 2. LightGBM: a model with numeric, categorical and missing inputs on German credit.
g = pd.read_csv(os.path.join(os.path.dirname(here), "..", "..", "Datasets", "german", "german.csv"))
cols = ["duration_in_month", "credit_amount", "age_in_years", "installment_rate_in_percentage_of_disposable_income",
        "status_of_existing_checking_account", "purpose"]
frame = g[cols].copy()
for c in ["status_of_existing_checking_account", "purpose"]:
    frame[c] = frame[c].astype("category").cat.codes.astype(int)
frame.loc[rng.random(len(frame)) < 0.1, "credit_amount"] = np.nan
y = g["bad"].values
train = lgb.Dataset(frame, label=y, categorical_feature=["status_of_existing_checking_account", "purpose"], free_raw_data=False)
params = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 15, "min_data_in_leaf": 20, "verbose": -1,
          "seed": 1, "deterministic": True, "num_threads": 1, "min_data_per_group": 10, "cat_smooth": 10}
model = lgb.train(params, train, num_boost_round=40)
model.save_model(os.path.join(here, "lgb_german.txt"))
frame.to_csv(os.path.join(here, "lgb_inputs.csv"), index=False, na_rep="NA")
raw = model.predict(frame, raw_score=True).astype(float).tolist()
json.dump({"margins": raw}, open(os.path.join(here, "lgb_margins.json"), "w"))

json.dump({"xgboost": xgb.__version__, "lightgbm": lgb.__version__, "numpy": np.__version__, "pandas": pd.__version__},
          open(os.path.join(here, "tree_fixture_versions.json"), "w"), indent=1)
print("wrote fixtures; xgboost", xgb.__version__, "lightgbm", lgb.__version__)
