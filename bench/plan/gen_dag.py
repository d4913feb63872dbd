#!/usr/bin/env python3
"""Writes a random layered DAG of N single-task steps as a drover workflow (and, with
--snakefile, the same DAG as a Snakefile), for the planning benchmark.

Steps are laid out in layers of about sqrt(N) steps; every step after the first layer
has 1-3 parents drawn from earlier layers (most from the layer just before), written as
after: entries. Each step runs `true`. Seeded, so the same N gives the same file.

    gen_dag.py N OUT.yaml [--snakefile OUT] [--seed S]
"""
import argparse
import math
import random


def layers(n, rng):
    """Splits step indices 0..n-1 into layers of about sqrt(n) steps."""
    width = max(1, int(math.sqrt(n)))
    out, i = [], 0
    while i < n:
        w = max(1, int(width * rng.uniform(0.5, 1.5)))
        out.append(list(range(i, min(n, i + w))))
        i += w
    return out


def parents(n, seed):
    """For each step, the sorted list of its parents' indices."""
    rng = random.Random(seed)
    ls = layers(n, rng)
    par = [[] for _ in range(n)]
    for li in range(1, len(ls)):
        for s in ls[li]:
            k = rng.randint(1, 3)
            chosen = set()
            for _ in range(k):
                back = 1 if rng.random() < 0.7 else rng.randint(1, li)
                chosen.add(rng.choice(ls[li - back]))
            par[s] = sorted(chosen)
    return par


def name(i):
    return "s%06d" % i


def write_drover(path, par):
    with open(path, "w") as f:
        f.write("name: layered\nsteps:\n")
        for i, ps in enumerate(par):
            f.write("  %s:\n    run: \"true\"\n" % name(i))
            if ps:
                f.write("    after: [%s]\n" % ", ".join(name(p) for p in ps))


def write_snakefile(path, par):
    """Each step is a rule with one output file; its parents' outputs are its inputs."""
    children = set(p for ps in par for p in ps)
    sinks = [i for i in range(len(par)) if i not in children]
    with open(path, "w") as f:
        f.write("rule all:\n    input: [%s]\n\n" % ", ".join('"out/%s"' % name(i) for i in sinks))
        for i, ps in enumerate(par):
            f.write("rule %s:\n" % name(i))
            if ps:
                f.write("    input: [%s]\n" % ", ".join('"out/%s"' % name(p) for p in ps))
            f.write('    output: "out/%s"\n    shell: "true && touch {output}"\n\n' % name(i))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--snakefile")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    par = parents(a.n, a.seed)
    write_drover(a.out, par)
    if a.snakefile:
        write_snakefile(a.snakefile, par)


if __name__ == "__main__":
    main()
