"""Renders Reports/hamiltonian.md from bench.py's results (standard library only)."""
import json
import math
import os
import statistics

HAM = ["MLP hamiltonian-paper (symplectic Euler)", "MLP hamiltonian-paper (leapfrog)", "MLP hamiltonian-code"]
BASE = ["MLP adam", "MLP sgd"]


def ms(xs, d=3):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    if not xs:
        return "—"
    if len(xs) == 1:
        return f"{xs[0]:.{d}f}"
    return f"{statistics.mean(xs):.{d}f} ± {statistics.stdev(xs):.{d}f}"


def mean(xs):
    return statistics.mean(xs) if xs else float("nan")


def sd(xs):
    return statistics.stdev(xs) if len(xs) > 1 else 0.0


def table(rows, tests, label):
    models = []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    head = "| model | in-sample AUC | " + " | ".join(f"{label(t)} AUC | gap ({label(t)}) | Brier ({label(t)})" for t in tests) + " | train s |"
    sep = "|---|---|" + "---|---|---|" * len(tests) + "---|"
    out = [head, sep]
    for m in models:
        rs = [r for r in rows if r["model"] == m]
        cells = [m, ms([r["in_auc"] for r in rs])]
        for t in tests:
            cells += [ms([r["tests"][t]["auc"] for r in rs]), ms([r["in_auc"] - r["tests"][t]["auc"] for r in rs]),
                      ms([r["tests"][t]["brier"] for r in rs], 4)]
        cells.append(ms([r["train_seconds"] for r in rs], 2))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def gap_stats(rows, model, test):
    g = [r["in_auc"] - r["tests"][test]["auc"] for r in rows if r["model"] == model]
    a = [r["tests"][test]["auc"] for r in rows if r["model"] == model]
    return g, a


def verdict_lines(rows, tests, label):
    """Paired (same seed, same split) comparison of each Hamiltonian variant against Adam."""
    out = []
    for t in tests:
        ref_g, ref_a = gap_stats(rows, "MLP adam", t)
        for h in HAM:
            g, a = gap_stats(rows, h, t)
            if not g or len(g) != len(ref_g):
                continue
            dg = [x - y for x, y in zip(g, ref_g)]
            da = [x - y for x, y in zip(a, ref_a)]
            n = len(dg)
            se_g = sd(dg) / math.sqrt(n) if n > 1 else float("nan")
            se_a = sd(da) / math.sqrt(n) if n > 1 else float("nan")
            if n > 1 and mean(dg) < -2 * se_g:
                word = "narrower"
            elif n > 1 and mean(dg) > 2 * se_g:
                word = "wider"
            else:
                word = "no clear difference (within 2 s.e.)"
            out.append(f"| {label(t)} | {h.replace('MLP ', '')} | {mean(dg):+.4f} ± {se_g:.4f} | {mean(da):+.4f} ± {se_a:.4f} | {word} |")
    return out


def render(results, meta, cfg):
    label = {"oot_2006_2008": "OOT 2006–08", "oot_2009_2012": "OOT 2009–12", "holdout": "hold-out"}.get
    parts = []
    parts.append("# Hamiltonian scoring: does a symplectic optimizer narrow the in-sample / out-of-time gap?\n")
    parts.append("Regenerate with `bench/hamiltonian/run.sh` (this file is written by `bench/hamiltonian/report.py`; "
                 "raw numbers in `bench/out/hamiltonian/results.json`).\n")
    parts.append("Paper: J. Marín, *Hamiltonian Neural Networks for Robust Out-of-Time Credit Scoring* (arXiv 2410.10182). "
                 "What the paper claims and what its code does are set out in `Sources/ObligorHamiltonian/README.md`; "
                 "the short version: the published HNN \"AUC\" (0.80/0.76/0.70) is an in-sample, hard-label, SMOTE-balanced "
                 "cross-validation number, compared against XGBoost's probabilistic out-of-time AUC. Here every model is judged the same way: "
                 "**AUC and Brier from predicted probabilities, on data the model never saw, and out of time where the data has a time axis.**\n")
    parts.append("## Set-up\n")
    fs = meta.get("freddie_split", {})
    parts.append(f"- **Freddie (generated)**: `obligor data generate freddie --vintages 1999-2012 --loans-per-vintage {cfg['loans']} --seed 11 "
                 f"--cutoff 201612`, imported with a 36-month default window (`default_36m`, FM36-like). Train on vintages ≤ 2005 "
                 f"({fs.get('train', '?')} loans), test out of time on 2006–2008 ({fs.get('oot_2006_2008', '?')}) and 2009–2012 "
                 f"({fs.get('oot_2009_2012', '?')}). Features: the paper's seven fields (fico, mi_pct, units, cltv, dti, ltv, single_borrower); "
                 "logit and GBDT get the same fields (borrowers as a count). One panel; the 5 seeds vary the models' initialisation, "
                 "shuffling, dropout and GBDT seed (logit is deterministic, hence ± 0).\n"
                 "- **German** (1,000 rows) and **Taiwan default** (30,000 rows): random stratified 70/30 split per seed (`obligor data split "
                 "--test-fraction 0.3 --seed s`), sensitive attributes excluded from features; \"gap\" is in-sample minus hold-out AUC.\n"
                 f"- **MLP**: `obligor train --model hnn`, inputs → {' → '.join(map(str, cfg['hidden']))} → 2 logits, LeakyReLU 0.01, dropout 0.2, "
                 f"batch 32, up to {cfg['epochs']} epochs, loss = cross-entropy + λ·½‖θ‖² with λ = 0.01 (the paper's `reg_coeff`, with its gradient), "
                 "early stopping (patience 5) on the latest 20 % of training rows by vintage (Freddie) or a random 20 % slice (German, Taiwan), "
                 "plateau LR schedule ×0.5 / patience 3 as in the author's code, standardised inputs. No SMOTE, no class weights (both "
                 "distort probabilities; the paper's AUC gains from SMOTE came from evaluating on resampled data). Optimizer defaults: "
                 "hamiltonian-paper h = 0.1, damping μ = 0.9 (≡ heavy-ball, rate 0.01, momentum 0.9, for symplectic Euler); hamiltonian-code "
                 "η = 0.01, β = 0.9 (the author's values); Adam 1e-3; SGD 0.01. "
                 + ("The paper's own width is 512-268; the bench uses the author's CV-selected 128-64 to keep the run to minutes "
                    "(`HIDDEN=512,268 bench/hamiltonian/run.sh` reruns at full width).\n" if cfg["hidden"] != [512, 268] else "\n")
                 + "- **Baselines**: `--model logit` (ridge λ = 1), `--model gbdt` (LightGBM defaults: 100 trees, 31 leaves, rate 0.1).\n"
                 f"- {cfg['seeds']} seeds, mean ± sd over seeds. Train seconds: `obligor train` wall time of the fit (release build, "
                 "1 BLAS thread, on a shared 2-core machine: treat as indicative).\n")
    for ds, title, tests in [("freddie", "Freddie panel, out of time", ["oot_2006_2008", "oot_2009_2012"]),
                             ("german", "German credit, random hold-out", ["holdout"]),
                             ("taiwan", "Taiwan default, random hold-out", ["holdout"])]:
        rows = [r for r in results if r["dataset"] == ds]
        if not rows:
            continue
        parts.append(f"## {title}\n")
        parts.append(table(rows, tests, label) + "\n")
        v = verdict_lines(rows, tests, label)
        if v:
            parts.append("Paired against Adam (same seed and split): Δgap and ΔAUC = Hamiltonian − Adam, mean ± s.e. over seeds.\n")
            parts.append("| test | optimizer | Δ gap | Δ test AUC | gap vs Adam |\n|---|---|---|---|---|")
            parts.append("\n".join(v) + "\n")
    parts.append(verdict_text(results))
    speed = os.environ.get("SPEED_MD")
    if speed and os.path.exists(speed):
        with open(speed) as f:
            parts.append(f.read())
    parts.append(f"\n_Total bench time: {meta.get('total_seconds', 0) / 60:.1f} min._\n")
    return "\n".join(parts)


def verdict_text(results):
    lines = ["## Verdict\n"]
    freddie = [r for r in results if r["dataset"] == "freddie"]
    summary = []
    for t in ["oot_2006_2008", "oot_2009_2012"]:
        for m in HAM + BASE + ["logistic regression", "GBDT"]:
            g, a = gap_stats(freddie, m, t)
            if g:
                summary.append((t, m, mean(g), mean(a)))
    if summary:
        best = {}
        for t, m, g, a in summary:
            if t not in best or a > best[t][1]:
                best[t] = (m, a)
        for t in best:
            lines.append(f"- Freddie {t.replace('oot_', 'OOT ').replace('_', '–')}: best mean OOT AUC **{best[t][0]}** ({best[t][1]:.3f}).")
        counts = {"narrower": 0, "wider": 0, "none": 0}
        for ds, tests in [("freddie", ["oot_2006_2008", "oot_2009_2012"]), ("german", ["holdout"]), ("taiwan", ["holdout"])]:
            rows = [r for r in results if r["dataset"] == ds]
            for line in verdict_lines(rows, tests, lambda x: x):
                if line.endswith("| narrower |"):
                    counts["narrower"] += 1
                elif line.endswith("| wider |"):
                    counts["wider"] += 1
                else:
                    counts["none"] += 1
        lines.append(f"- Of {sum(counts.values())} paired (optimizer × test set) comparisons against Adam, the Hamiltonian variant's gap was "
                     f"narrower beyond 2 s.e. in {counts['narrower']}, wider in {counts['wider']}, and not distinguishable in {counts['none']}.")
    lines.append("")
    # Computed facts for the plain statement.
    facts = []
    for ds, tests in [("freddie", ["oot_2006_2008", "oot_2009_2012"]), ("german", ["holdout"]), ("taiwan", ["holdout"])]:
        rows = [r for r in results if r["dataset"] == ds]
        for t in tests:
            mlp = {m: mean(gap_stats(rows, m, t)[1]) for m in HAM + BASE if gap_stats(rows, m, t)[1]}
            mlpg = {m: mean(gap_stats(rows, m, t)[0]) for m in HAM + BASE if gap_stats(rows, m, t)[0]}
            if not mlp:
                continue
            lo, hi = min(mlp.values()), max(mlp.values())
            lr = mean(gap_stats(rows, "logistic regression", t)[1])
            gb = mean(gap_stats(rows, "GBDT", t)[1])
            gbg = mean(gap_stats(rows, "GBDT", t)[0])
            facts.append(f"{ds} {t.replace('_', ' ')}: the five MLP variants' mean test AUCs span {lo:.3f}–{hi:.3f} "
                         f"(gaps {min(mlpg.values()):+.3f} to {max(mlpg.values()):+.3f}); logistic regression {lr:.3f}; "
                         f"GBDT {gb:.3f} with gap {gbg:+.3f}")
    lines.append("Measured: " + "; ".join(facts) + ".")
    lines.append("")
    lines.append(VERDICT)
    lines.append("")
    return "\n".join(lines)


VERDICT = """**Plain statement** (written against the run recorded in `bench/out/hamiltonian/results.json`; the numbers in
the tables and the "Measured" line above are regenerated, this paragraph is not — re-read it if they change).

The Hamiltonian optimizer does **not** narrow the in-sample / out-of-time gap in any way that matters, and it does not
make the network better out of time than a logistic regression.

- Among the MLPs, the optimizer moves the out-of-time AUC by a few thousandths. On Freddie 2006–08 every Hamiltonian
  variant is *behind* Adam by 0.002–0.004 AUC, with the same gap. On Freddie 2009–12 hamiltonian-paper's gap is
  0.009 narrower than Adam's (beyond 2 s.e. over 5 seeds) with +0.0045 OOT AUC — about 8 % of a 0.11 gap. Plain SGD
  has a narrower gap still (0.101) at a lower in-sample AUC, and logistic regression (0.110, OOT AUC 0.655) matches the
  best network. hamiltonian-code, the rule behind the published numbers, is indistinguishable from Adam everywhere.
  On German and Taiwan the paired differences are all within 2 s.e. (SGD at the default rate under-fits German).
- The one large difference is the GBDT at LightGBM's default settings. It fits the training vintages almost perfectly
  (in-sample AUC 0.999) and loses 0.33–0.40 AUC out of time. This is the pattern of the paper's XGBoost baseline. So the
  paper's headline contrast (a stable network, an unstable boosted ensemble) is reproducible in kind. But it comes from
  a smooth, regularised model against an over-fitted tree ensemble, not from the optimizer: Adam, SGD and a logistic
  regression are just as stable.
- This is expected from the structure of the optimizers. hamiltonian-paper with damping is heavy-ball momentum in
  disguise: symplectic Euler with μ = 0.9 and h = 0.1 is exactly SGD with momentum 0.9 at rate 0.01, which a test
  checks. hamiltonian-code is normalised-momentum SGD. Neither sees time or vintage. The drift behind the 2009–12 gap
  is a changed default regime in the data, which no optimizer of the training loss can anticipate.
- The paper's 0.80 / 0.76 / 0.70 were in-sample, hard-label, SMOTE-balanced cross-validation numbers. Measured here
  with probabilities, on later vintages, the networks reach the logistic regression's out-of-time AUC and no more.

Training times were measured on a shared 2-core machine, partly while other builds ran. Read them as orders of
magnitude. Leapfrog costs about 1.6–1.8× symplectic Euler because it evaluates the gradient twice per step."""
