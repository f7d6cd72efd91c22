#!/usr/bin/env python3
"""Deterministic synthetic credit CSV for the CSV-read and logit benchmarks.

    python3 bench/gen_csv.py OUT.csv [--rows N] [--seed S]

Layout (header + N rows, comma separated, LF line endings, `NA` = missing):

    f01..f17  float, printed with exactly 6 decimal places, magnitudes from ~1e-2 to ~1e6
    i01, i02  integer (count 0..~15, age-like 18..80)
    bad       binary target 0/1 (logistic in a few features, event rate ~15%)

About 0.5% of the values of f04 and f11 are `NA` (independently, so ~1% of the
rows have at least one NA). The same (rows, seed) always gives a byte-identical
file (numpy PCG64 via default_rng). Formatting is vectorised (fixed-width byte
matrix, padding squeezed out), so 1,000,000 rows take a few seconds.
"""

import argparse
import sys

import numpy as np

FLOAT_COLS = ["f%02d" % i for i in range(1, 18)]
INT_COLS = ["i01", "i02"]
TARGET = "bad"
NA_COLS = ("f04", "f11")
NA_RATE = 0.005


def _digits(a, width):
    """Unsigned int64 array -> (n, width) uint8 ASCII digits, leading zeros -> 0 (pad)."""
    out = np.empty((a.shape[0], width), dtype=np.uint8)
    v = a.copy()
    for k in range(width - 1, -1, -1):
        out[:, k] = (v % 10).astype(np.uint8) + 48
        v //= 10
    if np.any(v):
        raise ValueError("value too wide for %d digits" % width)
    # blank leading zeros, keeping at least the last digit
    lead = np.cumprod(out[:, :-1] == 48, axis=1).astype(bool)
    out[:, :-1][lead] = 0
    return out


def fmt_fixed(x, decimals, width):
    """Float array -> (n, 1 + width + 1 + decimals) bytes: sign, integer digits, '.', decimals."""
    scale = 10 ** decimals
    q = np.rint(x * scale).astype(np.int64)
    neg = q < 0
    a = np.abs(q)
    ip, fp = a // scale, a % scale
    sign = np.where(neg, np.uint8(45), np.uint8(0))[:, None]
    frac = _digits(fp, decimals)
    frac[frac == 0] = 48  # fractional digits are always printed
    dot = np.full((x.shape[0], 1), 46, dtype=np.uint8)
    return np.hstack([sign, _digits(ip, width), dot, frac])


def fmt_int(x, width):
    x = np.asarray(x, dtype=np.int64)
    sign = np.where(x < 0, np.uint8(45), np.uint8(0))[:, None]
    return np.hstack([sign, _digits(np.abs(x), width)])


def with_na(field, mask):
    if mask is None or not mask.any():
        return field
    f = field.copy()
    f[mask] = 0
    f[mask, 0] = ord("N")
    f[mask, 1] = ord("A")
    return f


def generate(rows, seed):
    rng = np.random.default_rng(seed)
    n = rows
    cols = {}
    # Various magnitudes and shapes (all finite, |x| < 1e12 so x * 1e6 fits int64).
    cols["f01"] = rng.normal(0.0, 1.0, n)                          # standard normal
    cols["f02"] = rng.uniform(0.0, 1.0, n)                         # ratio in [0, 1)
    cols["f03"] = rng.lognormal(8.0, 1.0, n)                       # amount ~ 3e3, heavy tail
    cols["f04"] = rng.normal(50.0, 15.0, n)                        # score-like
    cols["f05"] = rng.exponential(0.05, n)                         # small rate ~ 5e-2
    cols["f06"] = rng.normal(0.0, 0.01, n)                         # tiny, signed ~ 1e-2
    cols["f07"] = rng.gamma(2.0, 500.0, n)                         # ~ 1e3
    cols["f08"] = rng.normal(1.0e5, 2.0e4, n)                      # ~ 1e5
    cols["f09"] = rng.lognormal(12.0, 0.8, n)                      # ~ 2e5 .. 1e6+
    cols["f10"] = rng.beta(2.0, 5.0, n)                            # utilisation
    cols["f11"] = rng.standard_t(5, n) * 3.0                       # heavy-tailed, signed
    cols["f12"] = rng.uniform(-1000.0, 1000.0, n)                  # signed ~ 1e3
    cols["f13"] = rng.normal(0.0, 1.0, n) * 0.3 + cols["f01"] * 0.7  # correlated with f01
    cols["f14"] = rng.chisquare(3, n)                              # ~ 3
    cols["f15"] = rng.normal(-20.0, 5.0, n)                        # negative mean
    cols["f16"] = rng.lognormal(2.0, 0.5, n)                       # ~ 8
    cols["f17"] = rng.normal(1.0e6, 1.5e5, n)                      # ~ 1e6
    i01 = rng.poisson(2.0, n)
    i02 = rng.integers(18, 81, n)

    z = lambda v: (v - v.mean()) / v.std()
    eta = (-2.0 + 0.8 * z(cols["f01"]) - 0.5 * z(cols["f02"]) + 0.4 * z(np.log(cols["f03"]))
           - 0.3 * z(cols["f04"]) + 0.6 * z(cols["f10"]) + 0.25 * z(i01.astype(float))
           - 0.35 * z(i02.astype(float)))
    bad = (rng.uniform(0.0, 1.0, n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int64)
    na = {c: rng.uniform(0.0, 1.0, n) < NA_RATE for c in NA_COLS}
    return cols, i01, i02, bad, na


def write_csv(path, rows, seed, chunk=200_000):
    cols, i01, i02, bad, na = generate(rows, seed)
    header = ",".join(FLOAT_COLS + INT_COLS + [TARGET]) + "\n"
    widths = {c: max(1, len(str(int(np.ceil(np.abs(cols[c]).max()))))) for c in FLOAT_COLS}
    iw = {"i01": len(str(int(i01.max()))), "i02": len(str(int(i02.max())))}
    comma = ord(",")
    with open(path, "wb") as f:
        f.write(header.encode("ascii"))
        for s in range(0, rows, chunk):
            e = min(rows, s + chunk)
            m = e - s
            sep = np.full((m, 1), comma, dtype=np.uint8)
            parts = []
            for c in FLOAT_COLS:
                fld = fmt_fixed(cols[c][s:e], 6, widths[c])
                parts += [with_na(fld, na[c][s:e] if c in na else None), sep]
            parts += [fmt_int(i01[s:e], iw["i01"]), sep, fmt_int(i02[s:e], iw["i02"]), sep,
                      fmt_int(bad[s:e], 1), np.full((m, 1), 10, dtype=np.uint8)]
            block = np.hstack(parts).ravel()
            block[block != 0].tofile(f)
    return bad.mean(), {c: int(v.sum()) for c, v in na.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args(argv)
    rate, nas = write_csv(a.out, a.rows, a.seed)
    print("wrote %s: %d rows x 20 cols, seed %d, event rate %.4f, NA %s"
          % (a.out, a.rows, a.seed, rate, nas), file=sys.stderr)


if __name__ == "__main__":
    main()
