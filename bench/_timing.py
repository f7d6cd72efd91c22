"""Shared helpers for the Python benchmark anchors (not a benchmark itself)."""

import gc
import json
import os
import statistics
import time


def best_of(fn, repeats):
    """Run fn() `repeats` times; return (last result, list of wall seconds)."""
    times, out = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def emit(record, times):
    record["repeats"] = len(times)
    record["seconds_min"] = min(times)
    record["seconds_median"] = statistics.median(times)
    record["seconds_all"] = times
    record["threads_env"] = {k: os.environ.get(k) for k in
                             ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    print(json.dumps(record))
