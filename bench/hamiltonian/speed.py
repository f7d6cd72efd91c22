#!/usr/bin/env python3
"""Training throughput: `obligor train --model hnn` vs PyTorch (CPU, 1 thread), same network.

Network: 7 → 512 → 268 → 2 (the paper's), LeakyReLU 0.01, dropout 0.2, batch 32, softmax
cross-entropy + λ·½‖θ‖² (λ = 0.01, gradient applied), float64 in both (Obligor computes in
double; a float32 PyTorch run is reported as well). Same rows, same epochs, no validation, no
scheduler. Optimizers: hamiltonian-code (written here for PyTorch from the update rule) and Adam.
One run each; prints a Markdown section on stdout.

Usage: speed.py OBLIGOR_BINARY OUTDIR   (env: SPEED_ROWS=10000, SPEED_EPOCHS=3)
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

OBL, OUT = sys.argv[1], sys.argv[2]
ROWS = int(os.environ.get("SPEED_ROWS", "10000"))
EPOCHS = int(os.environ.get("SPEED_EPOCHS", "3"))
HIDDEN = [512, 268]
LAMBDA = 0.01
torch.set_num_threads(1)


class HamiltonianCode(torch.optim.Optimizer):
    """Per tensor: m ← βm + (1−β)g; H = ½Σm² + ½Σg²; θ ← θ − η m/(√H + ε)."""

    def __init__(self, params, lr=0.01, beta=0.9, eps=1e-8):
        super().__init__(params, dict(lr=lr, beta=beta, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                st = self.state[p]
                if "m" not in st:
                    st["m"] = torch.zeros_like(p)
                m = st["m"]
                m.mul_(group["beta"]).add_(g, alpha=1 - group["beta"])
                h = 0.5 * (m * m).sum() + 0.5 * (g * g).sum()
                p.sub_(group["lr"] * m / (h.sqrt() + group["eps"]))


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, 7))
    logit = -2.2 + x[:, 0] - 0.7 * x[:, 1] + 0.5 * x[:, 2] * x[:, 3]
    y = (rng.uniform(size=ROWS) < 1 / (1 + np.exp(-logit))).astype(int)
    path = os.path.join(OUT, "speed.csv")
    with open(path, "w") as f:
        f.write(",".join(f"x{j + 1}" for j in range(7)) + ",y\n")
        for i in range(ROWS):
            f.write(",".join(repr(float(v)) for v in x[i]) + f",{y[i]}\n")
    return x, y, path


def torch_run(x, y, optimizer, dtype):
    torch.manual_seed(1)
    layers, width = [], 7
    for h in HIDDEN:
        layers += [torch.nn.Linear(width, h), torch.nn.LeakyReLU(0.01), torch.nn.Dropout(0.2)]
        width = h
    layers.append(torch.nn.Linear(width, 2))
    net = torch.nn.Sequential(*layers).to(dtype)
    X = torch.tensor(x, dtype=dtype)
    Y = torch.tensor(y, dtype=torch.long)
    if optimizer == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=LAMBDA)  # weight_decay adds λθ to g
    else:
        opt = HamiltonianCode(net.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    net.train()
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        perm = torch.randperm(ROWS, generator=gen)
        for s in range(0, ROWS, 32):
            idx = perm[s:s + 32]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X[idx]), Y[idx])
            loss.backward()
            if optimizer != "adam":
                with torch.no_grad():
                    for p in net.parameters():
                        p.grad.add_(p, alpha=LAMBDA)
            opt.step()
    return time.perf_counter() - t0


def obligor_run(path, optimizer):
    cfg = os.path.join(OUT, f"speed-{optimizer}.json")
    with open(cfg, "w") as f:
        json.dump({"hidden_layers": HIDDEN, "epochs": EPOCHS, "validation_fraction": 0, "early_stopping_patience": 0,
                   "lr_scheduler_factor": 1, "dropout": 0.2, "lambda": LAMBDA, "regularizer": "paper"}, f)
    ws = os.path.join(OUT, "speed.sqlite")
    r = subprocess.run([OBL, "train", "--data", path, "--target", "y", "--model", "hnn", "--optimizer", optimizer, "--config", cfg,
                        "--name", f"speed-{optimizer}", "--replace", "--json", "--workspace", ws],
                       capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if r.returncode != 0:
        sys.exit(r.stderr)
    return json.loads(r.stdout)["seconds"]


def main():
    os.makedirs(OUT, exist_ok=True)
    x, y, path = make_data()
    samples = ROWS * EPOCHS
    rows = []
    for opt in ["hamiltonian-code", "adam"]:
        ob = obligor_run(path, opt)
        t64 = torch_run(x, y, opt, torch.float64)
        t32 = torch_run(x, y, opt, torch.float32)
        rows.append((opt, ob, t64, t32))
        print(f"[speed] {opt}: obligor {ob:.2f}s, torch f64 {t64:.2f}s, f32 {t32:.2f}s", file=sys.stderr)
    print("## Training speed against PyTorch (CPU)\n")
    print(f"Same network (7 → {' → '.join(map(str, HIDDEN))} → 2, LeakyReLU, dropout 0.2, {sum(a * b + b for a, b in zip([7] + HIDDEN, HIDDEN + [2])):,} parameters), "
          f"batch 32, {ROWS:,} rows × {EPOCHS} epochs = {samples:,} samples, cross-entropy + λ·½‖θ‖², one run, one thread each "
          f"(OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)); PyTorch {torch.__version__}. Obligor's time is the `obligor train` fit "
          "(encoding and standardisation included, negligible here); PyTorch's is the epoch loop alone. Ratio > 1 means Obligor is faster.\n")
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"] * 3
    print(f"Load average when run: {' '.join(load)} (on a machine shared with other builds, so one-run ratios are indicative).\n")
    print("| optimizer | Obligor (float64) samples/s | PyTorch float64 samples/s | ratio Obligor / PyTorch f64 | PyTorch float32 samples/s | ratio Obligor / PyTorch f32 |")
    print("|---|---|---|---|---|---|")
    for opt, ob, t64, t32 in rows:
        print(f"| {opt} | {samples / ob:,.0f} | {samples / t64:,.0f} | {t64 / ob:.2f} | {samples / t32:,.0f} | {t32 / ob:.2f} |")
    print()


if __name__ == "__main__":
    main()
