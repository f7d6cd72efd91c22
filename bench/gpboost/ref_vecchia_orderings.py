#!/usr/bin/env python3
"""GPBoost 1.8's Vecchia-Laplace NLL on st_5k with random orderings (fixture for ObligorGPTests).

Our random orderings cannot reproduce GPBoost's random permutation, so the test compares the two approximations'
values, not bits: within 0.5 % (../shared/notes/gpboost.md §6 goal 2).
  python ref_vecchia_orderings.py --data Tests/ObligorGPTests/Fixtures/st_5k.csv --out Tests/ObligorGPTests/Fixtures/ref_vecchia_orderings_st_5k.json
"""
import argparse, json
import numpy as np, pandas as pd
import gpboost as gpb

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()
tr = pd.read_csv(a.data)
tr = tr[tr.split == "train"].reset_index(drop=True)
C = tr[["t", "x", "y"]].to_numpy(np.float64)
y = tr["default"].to_numpy(np.float64)
fes = {"const_-3.6": np.full(len(y), -3.6), "true_fx": tr["true_fx"].to_numpy(np.float64)}
out = {"gpboost": gpb.__version__, "num_neighbors": 20, "nll": []}
for ordering in ["random", "time_random_space"]:
    for nu in [0.5, 1.5]:
        gm = gpb.GPModel(gp_coords=C, cov_function="matern_space_time", cov_fct_shape=nu, likelihood="bernoulli_logit",
                         gp_approx="vecchia", num_neighbors=20, vecchia_ordering=ordering, matrix_inversion_method="cholesky",
                         num_parallel_threads=1, seed=0)
        for fe_name, fe in fes.items():
            for th in [[0.8, 2.0, 9.0], [0.5, 0.6, 7.0], [1.2, 3.0, 12.0]]:
                v = gm.neg_log_likelihood(cov_pars=np.array(th), y=y, fixed_effects=fe)
                out["nll"].append({"vecchia_ordering": ordering, "nu": nu, "fixed_effects": fe_name, "cov_pars": th, "neg_log_lik": float(v)})
json.dump(out, open(a.out, "w"), indent=1)
print("\n".join(f"{r['vecchia_ordering']} {r['nu']} {r['fixed_effects']} {r['cov_pars']} {r['neg_log_lik']:.6f}" for r in out["nll"]))
