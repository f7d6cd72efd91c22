#!/usr/bin/env python3
"""Seeded synthetic German-credit applicants for the streaming-score benchmark.

    python3 bench/score-stream/gen_german.py Datasets/german/german.csv OUT.csv --rows N [--seed S]

Every column is resampled independently from its empirical distribution in the German file (numpy
PCG64 via default_rng(seed)), so the rows are new applicants with German's columns and value sets; the
header is German's. The same (rows, seed) gives a byte-identical file. Written in blocks of 1M rows.
"""
import argparse
import csv

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("german")
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261129)
    a = ap.parse_args()
    with open(a.german, newline="") as f:
        records = list(csv.reader(f))
    header, rows = records[0], [r for r in records[1:] if r]

    def field(v):  # as a CSV writer would quote it
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n\r') else v

    columns = [np.array([field(r[j]) for r in rows], dtype=object) for j in range(len(header))]
    header = ",".join(field(h) for h in header)
    rng = np.random.default_rng(a.seed)
    block = 1_000_000
    with open(a.out, "w") as out:
        out.write(header + "\n")
        done = 0
        while done < a.rows:
            m = min(block, a.rows - done)
            cols = [c[rng.integers(0, len(c), size=m)] for c in columns]
            out.write("\n".join(map(",".join, zip(*cols))) + "\n")
            done += m


if __name__ == "__main__":
    main()
