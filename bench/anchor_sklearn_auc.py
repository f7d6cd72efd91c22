#!/usr/bin/env python3
"""Anchor: time sklearn.metrics.roc_auc_score on pre-generated binary data.

    python3 bench/anchor_sklearn_auc.py SCORES.f64 LABELS.u8 [REPEATS=3]

Loading (numpy.fromfile, little-endian float64 / uint8) is untimed. Prints one JSON line
{"tool":"sklearn","task":"auc","rows":..,"cols":2,"seconds_min":..,"seconds_median":..,"auc":..,...}
"""

import sys

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

from _timing import best_of, emit


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    scores = np.fromfile(sys.argv[1], dtype="<f8")
    labels = np.fromfile(sys.argv[2], dtype=np.uint8)
    if scores.shape != labels.shape:
        sys.exit("scores and labels differ in length")
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    auc, times = best_of(lambda: roc_auc_score(labels, scores), repeats)
    emit({"tool": "sklearn", "version": sklearn.__version__, "task": "auc",
          "rows": int(scores.shape[0]), "cols": 2, "events": int(labels.sum()),
          "auc": float(auc)}, times)


if __name__ == "__main__":
    main()
