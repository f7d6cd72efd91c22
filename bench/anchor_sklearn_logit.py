#!/usr/bin/env python3
"""Anchor: time an (effectively) unpenalised scikit-learn logistic regression fit.

    python3 bench/anchor_sklearn_logit.py FILE.csv [REPEATS=3] [--raw]

FILE is a bench/gen_csv.py file. Loading (pandas.read_csv) and preparation are untimed.
Missing values: rows with any NA in the 19 feature columns are DROPPED (listwise
deletion, ~1% of rows for gen_csv defaults); no imputation, no standardisation.
Features: the 19 columns f01..f17, i01, i02 as float64; target `bad`.
Standardisation (default, untimed): each feature is z-scored with the mean and population
std (ddof = 0) of the retained rows, because on the raw columns (magnitudes 1e-2 .. 1e6)
lbfgs does not converge within 1000 iterations (measured: 1000 iterations, ~70 s, gradient
~6, meaningless coefficients). The JSON reports the means/stds, the coefficients on the
standardised scale and the same model mapped back to the raw scale
(beta_raw_j = beta_std_j / std_j, intercept_raw = intercept_std - sum_j beta_std_j * mean_j / std_j).
Note: C = 1e6 applies to the standardised coefficients, so the raw-scale solution is
the (near-)unpenalised MLE only up to that tiny penalty. --raw fits the raw columns instead.
Timed: LogisticRegression(solver="lbfgs", C=1e6, max_iter=1000, tol=1e-8).fit(X, y)
(pure L2 with C = 1e6, i.e. lambda = 1e-6 on the summed log-likelihood; intercept fitted
and unpenalised). Prints one JSON line with seconds, n_iter, intercept and coefficients.
"converged" says whether lbfgs stopped before max_iter; "max_abs_gradient" is the largest
component of the gradient of (sum log-loss + ||beta||^2 / (2C)) / n at the returned solution,
on the scale that was fitted (compare coefficients only if converged).
"""

import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from _timing import best_of, emit

FEATURES = ["f%02d" % i for i in range(1, 18)] + ["i01", "i02"]
TARGET = "bad"
C = 1e6


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    args = [a for a in sys.argv[1:] if a != "--raw"]
    standardise = "--raw" not in sys.argv[1:]
    path = args[0]
    repeats = int(args[1]) if len(args) > 1 else 3
    df = pd.read_csv(path)
    n_all = len(df)
    df = df.dropna(subset=FEATURES + [TARGET])
    X = np.ascontiguousarray(df[FEATURES].to_numpy(dtype=np.float64))
    y = df[TARGET].to_numpy(dtype=np.int64)
    means = X.mean(axis=0) if standardise else np.zeros(X.shape[1])
    stds = X.std(axis=0, ddof=0) if standardise else np.ones(X.shape[1])
    if standardise:
        X = np.ascontiguousarray((X - means) / stds)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            return LogisticRegression(solver="lbfgs", C=C, max_iter=1000, tol=1e-8).fit(X, y)

    clf, times = best_of(fit, repeats)
    b0, b = float(clf.intercept_[0]), clf.coef_.ravel()
    p = 1.0 / (1.0 + np.exp(-(X @ b + b0)))
    r = p - y
    grad = np.concatenate([[r.sum()], X.T @ r + b / C]) / len(y)
    n_iter = int(np.max(clf.n_iter_))
    emit({"tool": "sklearn", "version": sklearn.__version__, "task": "logit_fit",
          "solver": "lbfgs", "C": C, "max_iter": 1000, "tol": 1e-8,
          "na_handling": "drop rows with any NA", "standardised": standardise,
          "means": [float(v) for v in means], "stds": [float(v) for v in stds],
          "intercept_fitted_scale": b0, "coefficients_fitted_scale": [float(v) for v in b],
          "rows": int(len(y)),
          "rows_dropped": int(n_all - len(y)), "cols": len(FEATURES), "features": FEATURES,
          "n_iter": n_iter, "converged": n_iter < 1000,
          "max_abs_gradient": float(np.max(np.abs(grad))),
          "intercept": float(b0 - np.sum(b * means / stds)),
          "coefficients": [float(v) for v in b / stds]}, times)


if __name__ == "__main__":
    main()
