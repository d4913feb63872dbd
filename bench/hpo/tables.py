#!/usr/bin/python3
"""Tables for bench/hpo/run.sh.

  tables.py check DROVER_CHECK OPTUNA_CHECK   the function definitions agree
  tables.py report QUALITY.jsonl COST.jsonl   median-best and cost tables
  tables.py compare A.jsonl B.jsonl           per function: median best of A and of B, P(A run < B run)
  tables.py suggest DROVER.txt OPTUNA.txt     per-dimension two-sample Kolmogorov-Smirnov test of
                                              next suggestions (hpo_bench / optuna_bench.py suggest)
"""
import json
import math
import random
import statistics
import sys


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def check(a, b):
    va = {r["function"]: r["value"] for r in lines(a)}
    vb = {r["function"]: r["value"] for r in lines(b)}
    bad = [f for f in va if f not in vb or abs(va[f] - vb[f]) > 1e-8 * max(1.0, abs(va[f]))]
    if bad or va.keys() != vb.keys():
        raise SystemExit(f"test functions differ between C++ and Python: {bad or 'names'}")


def auc(a, b):
    """P(a draw from a < a draw from b), ties counted half: 0.5 = no difference."""
    if not a or not b:
        return float("nan")
    return sum((x < y) + 0.5 * (x == y) for x in a for y in b) / (len(a) * len(b))


def median_gap(a, b, resamples=1000):
    """median(a) - median(b) and a 95% bootstrap interval of it (seeded: the same tables every run)."""
    rng = random.Random(1)
    gaps = sorted(statistics.median(rng.choices(a, k=len(a))) - statistics.median(rng.choices(b, k=len(b)))
                  for _ in range(resamples))
    return statistics.median(a) - statistics.median(b), gaps[int(0.025 * resamples)], gaps[int(0.975 * resamples)]


def report(quality_path, cost_path):
    q = lines(quality_path)
    cols = [("drover", "tpe"), ("drover", "tpe-mv"), ("optuna", "tpe"), ("optuna", "tpe-mv"), ("drover", "random")]
    heads = ["drover TPE", "drover TPE-mv", "Optuna TPE", "Optuna TPE-mv", "random"]
    # (drover's sampler, Optuna's): the target is drover's TPE against both of Optuna's; drover's
    # TPE-mv against Optuna's TPE-mv is shown beside it.
    pairs = [("tpe", "tpe"), ("tpe", "tpe-mv"), ("tpe-mv", "tpe-mv")]
    funcs = list(dict.fromkeys(r["function"] for r in q))
    seeds = len({r["seed"] for r in q})
    print(f"\nMedian best value after the trial budget, {seeds} seeds (lower is better). Verdict: drover's median"
          f"\n<= Optuna's; P = the probability that a drover run ends lower than an Optuna run (0.5: no difference;"
          f"\nabout +-{1.96 * math.sqrt((2 * seeds + 1) / (12 * seeds * seeds)):.2f} is noise at {seeds} seeds).\n")
    print("| function | " + " | ".join(heads) + " | TPE vs Optuna TPE (P) | TPE vs Optuna TPE-mv (P) |"
          " TPE-mv vs Optuna TPE-mv (P) |")
    print("|---" * (len(heads) + 4) + "|")
    misses, worse = 0, []
    for f in funcs:
        runs, med = {}, {}
        for impl, s in cols:
            runs[(impl, s)] = [r["best"] for r in q if r["function"] == f and r["impl"] == impl and r["sampler"] == s]
            med[(impl, s)] = statistics.median(runs[(impl, s)]) if runs[(impl, s)] else float("nan")
        cells = [f"{med[c]:.4g}" for c in cols]
        verdicts = []
        for i, (d, o) in enumerate(pairs):
            ok = med[("drover", d)] <= med[("optuna", o)]
            misses += not ok and i < 2
            if not ok:
                worse.append((f, d, o, median_gap(runs[("drover", d)], runs[("optuna", o)])))
            verdicts.append(f"{'ok' if ok else 'WORSE'} ({auc(runs[('drover', d)], runs[('optuna', o)]):.2f})")
        print(f"| {f} | " + " | ".join(cells) + " | " + " | ".join(verdicts) + " |")
    print(f"\ndrover's TPE has a worse median than Optuna's TPE or TPE-mv in {misses} of {2 * len(funcs)} comparisons.")
    for f, d, o, (gap, lo, hi) in worse:
        print(f"{f}: drover {d} median - Optuna {o} median = {gap:.4g}, 95% bootstrap interval [{lo:.4g}, {hi:.4g}]")

    c = lines(cost_path)
    sizes = sorted({r["size"] for r in c})
    def us(impl, sampler, storage, size, key="us"):
        v = [r[key] for r in c if r["impl"] == impl and r["sampler"] == sampler and r["storage"] == storage
             and r["size"] == size]
        return v[0] if v else float("nan")
    for key, title in (("us", "wall-clock"), ("cpu_us", "CPU time of the process")):
        print(f"\nTime per ask+tell in microseconds ({title}) with N trials already in the study (6-D Hartmann)\n")
        print("| N | drover TPE | drover TPE-mv | Optuna TPE (memory) | Optuna TPE (SQLite) |"
              " Optuna mem / drover TPE | Optuna SQLite / drover TPE | Optuna mem / drover TPE-mv |")
        print("|---" * 8 + "|")
        for n in sizes:
            d, dm = us("drover", "tpe", "memory", n, key), us("drover", "tpe-mv", "memory", n, key)
            om, os_ = us("optuna", "tpe", "memory", n, key), us("optuna", "tpe", "sqlite", n, key)
            print(f"| {n} | {d:.1f} | {dm:.1f} | {om:.0f} | {os_:.0f} | {om / d:.0f}x | {os_ / d:.0f}x | {om / dm:.1f}x |")


def compare(a_path, b_path):
    a, b = lines(a_path), lines(b_path)
    funcs = list(dict.fromkeys(r["function"] for r in a))
    worse, ps = 0, []
    for f in funcs:
        x = [r["best"] for r in a if r["function"] == f]
        y = [r["best"] for r in b if r["function"] == f]
        if not y:
            continue
        ma, mb = statistics.median(x), statistics.median(y)
        worse += ma > mb
        ps.append(auc(x, y))
        print(f"{f:14s} {ma:12.5g} {mb:12.5g}  P={auc(x, y):.2f} {'ok' if ma <= mb else 'WORSE'}")
    print(f"A's median worse in {worse} of {len(ps)}; P mean {statistics.mean(ps):.3f}, min {min(ps):.2f}")


def suggest(a_path, b_path):
    def load(p):
        with open(p) as f:
            return [list(map(float, l.split())) for l in f if l.strip()]
    a, b = load(a_path), load(b_path)
    print(f"{len(a)} drover and {len(b)} Optuna suggestions; KS p < 0.01 would mean the distributions differ")
    for j in range(len(a[0])):
        x, y = sorted(r[j] for r in a), sorted(r[j] for r in b)
        i = k = 0
        dmax = 0.0
        while i < len(x) and k < len(y):
            if x[i] <= y[k]:
                i += 1
            else:
                k += 1
            dmax = max(dmax, abs(i / len(x) - k / len(y)))
        n = len(x) * len(y) / (len(x) + len(y))
        lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * dmax
        p = min(1.0, max(0.0, 2 * sum((-1) ** (m - 1) * math.exp(-2 * m * m * lam * lam) for m in range(1, 100))))
        med = lambda v: v[len(v) // 2]
        print(f"x{j}: D={dmax:.3f} p={p:.3f} median drover {med(x):.4g} Optuna {med(y):.4g}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "suggest":
        suggest(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
