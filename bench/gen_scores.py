#!/usr/bin/env python3
"""Deterministic scores/labels for the AUC benchmark.

    python3 bench/gen_scores.py OUT_PREFIX [--n N] [--seed S] [--round D] [--csv]

Writes
    OUT_PREFIX.scores.f64   N little-endian IEEE-754 float64 scores (raw, no header)
    OUT_PREFIX.labels.u8    N uint8 labels, 1 = event (bad), 0 = non-event
and, with --csv, also
    OUT_PREFIX.csv          header `score,label`, scores printed with repr (round-trip exact)

Both sides load the binary files without any parsing in the timed region
(numpy.fromfile here; a plain read of the bytes on the Swift side).

Labels are Bernoulli(0.1); scores = sigmoid(latent), latent ~ N(1.0 * label, 1), so the
AUC is about 0.76. By default scores are continuous (ties essentially absent); --round D
rounds the scores to D decimals to create many ties (tests the tie-averaged AUC).
Same (N, seed, round) -> byte-identical files (numpy default_rng / PCG64).
"""

import argparse
import sys

import numpy as np


def generate(n, seed, round_decimals=None):
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(0.0, 1.0, n) < 0.1).astype(np.uint8)
    latent = rng.normal(0.0, 1.0, n) + 1.0 * labels
    scores = 1.0 / (1.0 + np.exp(-latent))
    if round_decimals is not None:
        scores = np.round(scores, round_decimals)
    return scores.astype("<f8"), labels


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prefix")
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--round", type=int, default=None, dest="round_decimals")
    ap.add_argument("--csv", action="store_true", help="also write PREFIX.csv (score,label)")
    a = ap.parse_args(argv)
    scores, labels = generate(a.n, a.seed, a.round_decimals)
    scores.tofile(a.prefix + ".scores.f64")
    labels.tofile(a.prefix + ".labels.u8")
    if a.csv:
        with open(a.prefix + ".csv", "w", encoding="ascii", newline="\n") as f:
            f.write("score,label\n")
            step = 1_000_000
            for s in range(0, a.n, step):
                sc, lb = scores[s:s + step].tolist(), labels[s:s + step].tolist()
                f.write("".join("%r,%d\n" % (x, y) for x, y in zip(sc, lb)))
    print("wrote %s.{scores.f64,labels.u8%s}: n=%d seed=%d events=%d round=%s"
          % (a.prefix, ",csv" if a.csv else "", a.n, a.seed, int(labels.sum()), a.round_decimals),
          file=sys.stderr)


if __name__ == "__main__":
    main()
