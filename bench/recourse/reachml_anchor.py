"""reachml anchor: reachable-set enumeration with reachml 0.2.0a1 + CPLEX (Community Edition) on German.

Builds reachml's ActionSet for the paper's "Actual" action set (complex_nD) from the JSON spec, then
enumerates the reachable set of each of the first --rows distinct points with ReachableSetEnumerator
(solver="cplex"), the step that dominates reachml's verification cost. Prints one JSON object with
CPU and wall seconds, points done, and the sizes (checked against the reference sizes).
Usage: python reachml_anchor.py DATA.csv ACTIONSETS.json SIZES.csv [--rows N]
"""
import json, sys, time, argparse
import numpy as np
import pandas as pd
import reachml
from reachml import ActionSet
from reachml.constraints import ThermometerEncoding, DirectionalLinkage
from reachml.enumeration import ReachableSetEnumerator

ap = argparse.ArgumentParser()
ap.add_argument("data"); ap.add_argument("actions"); ap.add_argument("sizes"); ap.add_argument("--rows", type=int, default=100)
a = ap.parse_args()
df = pd.read_csv(a.data)
X = df.drop(columns=[df.columns[0]])
spec = json.load(open(a.actions))["action_sets"]["complex_nD"]
A = ActionSet(X)
for f in spec["features"]:
    e = A[f["name"]]
    e.actionable = f["actionable"]
    e.lb, e.ub = f["lb"], f["ub"]
    e.step_direction = f["step_direction"]
    if f["step_ub"] is not None: e.step_ub = f["step_ub"]
    if f["step_lb"] is not None: e.step_lb = f["step_lb"]
for c in spec["constraints"]:
    if c["type"] == "ThermometerEncoding":
        A.constraints.add(ThermometerEncoding(names=c["names"], step_direction=c["step_direction"]))
    elif c["type"] == "DirectionalLinkage":
        A.constraints.add(DirectionalLinkage(names=[c["source"]] + c["targets"], scales=[1.0] + c["scales"], keep_bounds=c["keep_bounds"]))
assert A.validate(X.values)
ref = pd.read_csv(a.sizes)
Xu, first = np.unique(X.values, axis=0, return_index=True)
order = np.sort(first)[: a.rows]
cpu0, wall0 = time.process_time(), time.perf_counter()
sizes = []
for i in order:
    e = ReachableSetEnumerator(action_set=A, x=X.values[i], solver="cplex")
    e.enumerate()
    sizes.append(len(np.unique(e.reachable_points, axis=0)))
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
agree = int(sum(int(s == ref.reachable_set_size[i]) for s, i in zip(sizes, order)))
print(json.dumps({"tool": "reachml", "version": getattr(reachml, "__version__", "0.2.0a1"), "solver": "cplex",
                  "points": len(order), "cpu_seconds": cpu, "wall_seconds": wall,
                  "cpu_seconds_per_point": cpu / len(order), "sizes_agree_with_reference": agree}))
