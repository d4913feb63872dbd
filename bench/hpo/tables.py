#!/usr/bin/python3
"""Tables for bench/hpo/run.sh.

  tables.py check DROVER_CHECK OPTUNA_CHECK   the function definitions agree
  tables.py report QUALITY.jsonl COST.jsonl   median-best and cost tables
"""
import json
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


def report(quality_path, cost_path):
    q = lines(quality_path)
    cols = [("drover", "tpe"), ("drover", "tpe-mv"), ("optuna", "tpe"), ("optuna", "tpe-mv"), ("drover", "random")]
    heads = ["drover TPE", "drover TPE-mv", "Optuna TPE", "Optuna TPE-mv", "random"]
    funcs = list(dict.fromkeys(r["function"] for r in q))
    seeds = len({r["seed"] for r in q})
    print(f"\nMedian best value after the trial budget, {seeds} seeds (lower is better)\n")
    print("| function | " + " | ".join(heads) + " | drover TPE <= Optuna TPE? | drover TPE-mv <= Optuna TPE-mv? |")
    print("|---" * (len(heads) + 3) + "|")
    for f in funcs:
        med = {}
        for impl, s in cols:
            v = [r["best"] for r in q if r["function"] == f and r["impl"] == impl and r["sampler"] == s]
            med[(impl, s)] = statistics.median(v) if v else float("nan")
        cells = [f"{med[c]:.4g}" for c in cols]
        ok1 = "yes" if med[("drover", "tpe")] <= med[("optuna", "tpe")] else "NO"
        ok2 = "yes" if med[("drover", "tpe-mv")] <= med[("optuna", "tpe-mv")] else "NO"
        print(f"| {f} | " + " | ".join(cells) + f" | {ok1} | {ok2} |")

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


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
