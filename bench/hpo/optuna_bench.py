#!/usr/bin/python3
"""Optuna's side of bench/hpo (run.sh drives it; not a test).

  optuna_bench.py quality SAMPLER FUNCTION SEEDS TRIALS [FIRST_SEED]   one JSON line per seed
  optuna_bench.py cost SIZES WINDOW SQLITE_WINDOW          mean us per ask+tell
  optuna_bench.py check                                    function values at fixed points
  optuna_bench.py suggest SAMPLER FUNCTION N < HISTORY     N independent next suggestions
  optuna_bench.py prune PRUNER SEEDS TRIALS EPOCHS         median/asha/hyperband on curves.h's curves

SAMPLER: tpe (Optuna's defaults) or tpe-mv (multivariate=True).
The functions mirror bench/hpo/functions.h.
"""
import json
import math
import os
import sys
import tempfile
import time

import warnings

import optuna

warnings.filterwarnings("ignore")

optuna.logging.set_verbosity(optuna.logging.ERROR)


def branin(x):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - 1e-4 * P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    s1 = sum(v * v for v in x)
    s2 = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(s1 / d)) - math.exp(s2 / d) + 20 + math.e


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(len(x) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def styblinski(x):
    return sum(v**4 - 16 * v * v + 5 * v for v in x) / 2


def michalewicz(x):
    return -sum(math.sin(v) * math.sin((i + 1) * v * v / math.pi) ** 20 for i, v in enumerate(x))


FUNCTIONS = {
    "branin": (2, None, branin),
    "hartmann6": (6, (0, 1), hartmann6),
    "rosenbrock10": (10, (-5, 10), rosenbrock),
    "ackley5": (5, (-32.768, 32.768), ackley),
    "levy5": (5, (-10, 10), levy),
    "styblinski5": (5, (-5, 5), styblinski),
    "michalewicz5": (5, (0, math.pi), michalewicz),
}


def bounds(name, i):
    dim, b, _ = FUNCTIONS[name]
    if name == "branin":
        return (-5, 10) if i == 0 else (0, 15)
    return b


def distributions(name):
    dim = FUNCTIONS[name][0]
    return {f"x{i}": optuna.distributions.FloatDistribution(*bounds(name, i)) for i in range(dim)}


def make_sampler(kind, seed):
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    raise SystemExit(f"unknown sampler {kind}")


def quality(kind, name, seeds, trials, first_seed=0):
    dim, _, f = FUNCTIONS[name]
    dists = distributions(name)
    for seed in range(first_seed, first_seed + seeds):
        study = optuna.create_study(sampler=make_sampler(kind, seed))
        for _ in range(trials):
            t = study.ask(dists)
            study.tell(t, f([t.params[f"x{i}"] for i in range(dim)]))
        print(json.dumps({"impl": "optuna", "sampler": kind, "function": name, "seed": seed,
                          "best": study.best_value}), flush=True)


def cost(sizes, window, sqlite_window):
    import random
    name = "hartmann6"
    dim, _, f = FUNCTIONS[name]
    dists = distributions(name)
    rng = random.Random(7)
    for size in sizes:
        for storage_kind, win in (("memory", window), ("sqlite", sqlite_window)):
            tmp = None
            storage = None
            if storage_kind == "sqlite":
                fd, tmp = tempfile.mkstemp(suffix=".db")
                os.close(fd)
                storage = f"sqlite:///{tmp}"
            study = optuna.create_study(storage=storage, sampler=optuna.samplers.TPESampler(seed=1))
            frozen = []
            for _ in range(size):
                params = {k: rng.uniform(d.low, d.high) for k, d in dists.items()}
                frozen.append(optuna.trial.create_trial(
                    params=params, distributions=dists, value=f([params[f"x{i}"] for i in range(dim)])))
            study.add_trials(frozen)
            t = study.ask(dists)  # warm up
            study.tell(t, 0.0)
            start = time.perf_counter()
            cpu_start = time.process_time()
            for _ in range(win):
                t = study.ask(dists)
                study.tell(t, f([t.params[f"x{i}"] for i in range(dim)]))
            us = (time.perf_counter() - start) / win * 1e6
            cpu_us = (time.process_time() - cpu_start) / win * 1e6
            print(json.dumps({"impl": "optuna", "sampler": "tpe", "storage": storage_kind, "size": size,
                              "us": us, "cpu_us": cpu_us}), flush=True)
            if tmp:
                os.unlink(tmp)


def suggest(kind, name, n):
    """n independent next suggestions after the history read from stdin
    ("x0 x1 ... value" lines), each from a fresh sampler seeded 0, 1, ..."""
    dim, _, f = FUNCTIONS[name]
    dists = distributions(name)
    rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
    frozen = [optuna.trial.create_trial(params={f"x{i}": r[i] for i in range(dim)}, distributions=dists, value=r[dim])
              for r in rows]
    for seed in range(n):
        study = optuna.create_study(sampler=make_sampler(kind, seed))
        study.add_trials(frozen)
        t = study.ask(dists)
        print(" ".join(repr(t.params[f"x{i}"]) for i in range(dim)), flush=True)


def check():
    for name, (dim, _, f) in FUNCTIONS.items():
        x = []
        for i in range(dim):
            lo, hi = bounds(name, i)
            x.append(lo + (hi - lo) * (0.1 + 0.8 * ((i * 7) % 10) / 10.0))
        print(json.dumps({"function": name, "value": float(f"{f(x):.12g}")}))


MASK64 = (1 << 64) - 1


def splitmix(x):
    """splitmix64, as bench/hpo/curves.h."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def uniform(seed, trial, k):
    h = splitmix(splitmix(splitmix(seed) ^ trial) ^ k)
    return (h >> 11) * (1.0 / 9007199254740992.0)


def curve_loss(seed, trial, epoch):
    """The synthetic learning curve of curves.h: the same numbers as prune_bench."""
    final_loss = uniform(seed, trial, 0)
    start = 0.5 + 2.0 * uniform(seed, trial, 1)
    rate = 0.02 + 0.3 * uniform(seed, trial, 2)
    noise = 0.02 * (uniform(seed, trial, 1000 + epoch) - 0.5)
    return final_loss + start * math.exp(-rate * (epoch + 1)) + noise


def make_pruner(kind):
    if kind == "median":
        return optuna.pruners.MedianPruner()
    if kind == "asha":
        return optuna.pruners.SuccessiveHalvingPruner()
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner()
    raise SystemExit(f"unknown pruner {kind}")


def prune(kind, seeds, trials, epochs):
    """Optuna's pruner of the same kind on the same curves: one JSON line per seed."""
    for seed in range(seeds):
        study = optuna.create_study(study_name="bench", pruner=make_pruner(kind),
                                    sampler=optuna.samplers.RandomSampler(seed=seed))
        spent = 0
        best = float("inf")
        for _ in range(trials):
            t = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
            pruned = False
            for e in range(epochs):
                spent += 1
                t.report(curve_loss(seed, t.number, e), e)
                if t.should_prune():
                    pruned = True
                    break
            if pruned:
                study.tell(t, state=optuna.trial.TrialState.PRUNED)
            else:
                v = curve_loss(seed, t.number, epochs - 1)
                study.tell(t, v)
                best = min(best, v)
        print(json.dumps({"impl": "optuna", "pruner": kind, "seed": seed, "epochs": spent,
                          "best": best}), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "quality":
        quality(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]) if len(sys.argv) > 6 else 0)
    elif mode == "cost":
        cost([int(s) for s in sys.argv[2].split(",")], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "suggest":
        suggest(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "prune" and len(sys.argv) == 6:
        prune(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "check":
        check()
    else:
        raise SystemExit(__doc__)
