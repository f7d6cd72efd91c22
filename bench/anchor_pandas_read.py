#!/usr/bin/env python3
"""Anchor: time pandas.read_csv(FILE) with default options (C engine).

    python3 bench/anchor_pandas_read.py FILE [REPEATS=3]

Prints one JSON line:
{"tool":"pandas","task":"csv_read","rows":..,"cols":..,"seconds_min":..,"seconds_median":..,...}
The file is read once untimed first (warm page cache), then REPEATS timed reads.
"""

import sys

import pandas as pd

from _timing import best_of, emit


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    pd.read_csv(path)  # warm-up, untimed
    df, times = best_of(lambda: pd.read_csv(path), repeats)
    emit({"tool": "pandas", "version": pd.__version__, "task": "csv_read", "file": path,
          "rows": int(df.shape[0]), "cols": int(df.shape[1]),
          "na_cells": int(df.isna().sum().sum())}, times)


if __name__ == "__main__":
    main()
