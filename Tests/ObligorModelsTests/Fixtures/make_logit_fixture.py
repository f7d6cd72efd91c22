#!/usr/bin/env python3
"""Logistic-regression oracle fixtures for ObligorModelsTests.

Run from the repository root (needs numpy, pandas, statsmodels, scikit-learn):

    python3 -m venv /tmp/oracle-venv
    /tmp/oracle-venv/bin/pip install numpy pandas statsmodels scikit-learn
    /tmp/oracle-venv/bin/python Tests/ObligorModelsTests/Fixtures/make_logit_fixture.py

Writes, next to this script:

* german_logit_statsmodels.json: unpenalised maximum-likelihood logit of `bad` on
  seven numeric German-credit columns plus an intercept (statsmodels Logit,
  Newton, tol 1e-12), with Wald standard errors, z and two-sided normal p-values.
* german_logit_sklearn_l2.json: scikit-learn L2-penalised logistic regression,
  C = 0.01, on the same columns standardised to z-scores (population std,
  ddof = 0). scikit-learn minimises
      C * sum_i logloss_i(beta0, beta) + 0.5 * ||beta||^2     (beta0 unpenalised),
  which has the same minimiser as
      -loglik(beta0, beta) + (lambda / 2) * ||beta||^2  with lambda = 1 / C.
  The solution is cross-checked against an independent Newton solve of that
  objective in numpy (difference recorded in the file).
"""

import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(REPO_ROOT, "Datasets", "german", "german.csv")

FEATURES = [
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
]
TARGET = "bad"
C = 0.01
GENERATED_BY = ("/tmp/oracle-venv/bin/python Tests/ObligorModelsTests/Fixtures/make_logit_fixture.py"
                " (run from the repository root)")


def fl(a):
    return [float(v) for v in np.asarray(a).ravel()]


def write(name, obj):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    print("wrote", os.path.relpath(path, REPO_ROOT))


def penalised_newton(Z, y, lam, tol=1e-14, maxiter=100):
    """Minimise -loglik + lam/2 * ||beta||^2 (intercept = column 0, unpenalised)."""
    X = np.column_stack([np.ones(len(y)), Z])
    b = np.zeros(X.shape[1])
    P = lam * np.eye(X.shape[1])
    P[0, 0] = 0.0
    for _ in range(maxiter):
        p = 1.0 / (1.0 + np.exp(-(X @ b)))
        g = X.T @ (p - y) + P @ b
        H = (X * (p * (1 - p))[:, None]).T @ X + P
        step = np.linalg.solve(H, g)
        b -= step
        if np.max(np.abs(step)) < tol:
            break
    p = 1.0 / (1.0 + np.exp(-(X @ b)))
    g = X.T @ (p - y) + P @ b
    return b, float(np.max(np.abs(g)))


def main():
    df = pd.read_csv(DATA, na_values=["NA"], keep_default_na=False)
    missing = df[FEATURES + [TARGET]].isna().sum().sum()
    if missing:
        sys.exit("unexpected missing values in %s" % DATA)
    y = df[TARGET].to_numpy(dtype=float)
    Xf = df[FEATURES].to_numpy(dtype=float)
    n = len(y)
    assert n == 1000 and int(y.sum()) == 300

    # ---- statsmodels: unpenalised MLE ------------------------------------
    X = sm.add_constant(pd.DataFrame(Xf, columns=FEATURES), prepend=True, has_constant="add")
    res = sm.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100, disp=False)
    if not res.mle_retvals.get("converged", False):
        sys.exit("statsmodels Logit did not converge")
    params = res.params.to_numpy()
    write("german_logit_statsmodels.json", {
        "dataset": "Datasets/german/german.csv",
        "target": TARGET,
        "features": FEATURES,
        "intercept": float(params[0]),
        "coefficients": fl(params[1:]),
        "standard_errors": fl(res.bse),
        "z": fl(res.tvalues),
        "p_values": fl(res.pvalues),
        "order_of_standard_errors_z_p_values": ["intercept"] + FEATURES,
        "log_likelihood": float(res.llf),
        "log_likelihood_null": float(res.llnull),
        "n": int(n),
        "n_events": int(y.sum()),
        "iterations": int(res.mle_retvals["iterations"]),
        "method": 'statsmodels.api.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100); '
                  "standard errors from the inverse observed information; p-values two-sided normal",
        "versions": {"statsmodels": statsmodels.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__, "python": sys.version.split()[0]},
        "generated_by": GENERATED_BY,
    })
    print(res.summary())

    # ---- scikit-learn: L2-penalised on standardised features --------------
    means = Xf.mean(axis=0)
    stds = Xf.std(axis=0, ddof=0)
    Z = (Xf - means) / stds
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=FutureWarning)
        try:
            clf = LogisticRegression(penalty="l2", C=C, solver="newton-cg", tol=1e-12,
                                     max_iter=10000, fit_intercept=True)
            clf.fit(Z, y)
            construction = ('LogisticRegression(penalty="l2", C=0.01, solver="newton-cg", tol=1e-12, '
                            "max_iter=10000, fit_intercept=True)")
        except FutureWarning:
            # scikit-learn >= 1.8 deprecates `penalty`; l1_ratio=0 is the same pure L2 penalty.
            clf = LogisticRegression(l1_ratio=0.0, C=C, solver="newton-cg", tol=1e-12,
                                     max_iter=10000, fit_intercept=True)
            clf.fit(Z, y)
            construction = ('LogisticRegression(l1_ratio=0.0 (pure L2; `penalty` is deprecated in this '
                            'scikit-learn), C=0.01, solver="newton-cg", tol=1e-12, max_iter=10000, '
                            "fit_intercept=True)")
    lam = 1.0 / C
    b_newton, grad_newton = penalised_newton(Z, y, lam)
    b_sk = np.concatenate([clf.intercept_, clf.coef_.ravel()])
    diff = float(np.max(np.abs(b_sk - b_newton)))
    if diff > 1e-8:
        sys.exit("sklearn and the Newton cross-check disagree by %g" % diff)
    write("german_logit_sklearn_l2.json", {
        "dataset": "Datasets/german/german.csv",
        "target": TARGET,
        "features": FEATURES,
        "means": fl(means),
        "stds": fl(stds),
        "standardisation": "z = (x - mean) / std, std = population standard deviation (ddof = 0) over all n rows",
        "C": C,
        "lambda": lam,
        "intercept": float(clf.intercept_[0]),
        "coefficients": fl(clf.coef_),
        "objective": "scikit-learn minimises C * sum_i logloss_i + 0.5 * ||beta||^2 with the intercept "
                     "unpenalised; equivalently -loglik + (lambda/2) * ||beta||^2 with lambda = 1/C on the "
                     "summed (not averaged) log-likelihood. Coefficients are on the standardised scale.",
        "solver": construction,
        "n": int(n),
        "n_iter": int(np.max(clf.n_iter_)),
        "newton_crosscheck_max_abs_diff": diff,
        "newton_crosscheck_max_abs_gradient": grad_newton,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__, "python": sys.version.split()[0]},
        "generated_by": GENERATED_BY,
    })
    print("sklearn L2 C=%g intercept=%.12g coef=%s (|diff vs Newton| = %.2e)"
          % (C, clf.intercept_[0], np.array2string(clf.coef_.ravel(), precision=10), diff))


if __name__ == "__main__":
    main()
