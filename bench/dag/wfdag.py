"""WfCommons traces (WfFormat 1.5) as workflows of `sleep`s (stdlib only).

A trace's `workflow.specification.tasks` give the graph (each task's `parents`), its
`workflow.execution.tasks` the recorded `runtimeInSeconds`. Each task becomes one drover
step (`after:` its parents) and one Snakemake rule (input: its parents' outputs), both
sleeping the task's runtime times one scale per trace, rounded to milliseconds.
"""

import json
import os
import re
from collections import namedtuple

from bound import heads_and_tails

# name: short name (file name without "-chameleon" and "-001"); ids: task ids in the
# trace's order; names: those ids as step/rule names ([A-Za-z0-9_], unique); runtime_s:
# recorded seconds; parents: index lists into ids.
Trace = namedtuple("Trace", "name path ids names runtime_s parents")


def short_name(path):
    """'montage-chameleon-2mass-005d-001.json' -> 'montage-2mass-005d'."""
    stem = os.path.basename(path)
    stem = stem[:-5] if stem.endswith(".json") else stem
    stem = stem.replace("-chameleon", "")
    return re.sub(r"-0*1$", "", stem)


def unique_names(ids):
    """Step and rule names for task ids: every character outside [A-Za-z0-9_] becomes
    '_', a leading digit gets a 't' before it, and a clash gets a numbered suffix (valid
    for drover, whose step names are [A-Za-z_][A-Za-z0-9_-]*, and for Snakemake, whose
    rule names are Python identifiers; 'all' is the Snakefile's target rule)."""
    names, seen = [], {"all"}
    for i in ids:
        n = re.sub(r"[^A-Za-z0-9_]", "_", i)
        if not n or n[0].isdigit():
            n = "t" + n
        base, k = n, 2
        while n in seen:
            n, k = f"{base}_{k}", k + 1
        seen.add(n)
        names.append(n)
    return names


def load(path):
    """Reads a WfFormat 1.5 file into a Trace; raises ValueError naming what is wrong."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("schemaVersion") != "1.5":
        raise ValueError(f"{path}: schemaVersion {doc.get('schemaVersion')!r}, expected '1.5'")
    spec = doc["workflow"]["specification"]["tasks"]
    runtimes = {t["id"]: float(t["runtimeInSeconds"]) for t in doc["workflow"]["execution"]["tasks"]}
    ids = [t["id"] for t in spec]
    index = {tid: k for k, tid in enumerate(ids)}
    parents = []
    for t in spec:
        unknown = [p for p in t.get("parents", []) if p not in index]
        if unknown:
            raise ValueError(f"{path}: task {t['id']} has unknown parents {unknown[:3]}")
        if t["id"] not in runtimes:
            raise ValueError(f"{path}: task {t['id']} has no runtimeInSeconds in workflow.execution")
        parents.append(sorted({index[p] for p in t.get("parents", [])}))
    return Trace(short_name(path), path, ids, unique_names(ids),
                 [runtimes[i] for i in ids], parents)


def choose_scale(trace, target_s, slots):
    """The factor that makes max(critical path, work / slots) of the recorded runtimes
    equal target_s (the energetic bound can be larger: it is not scaled to the target)."""
    micros = [round(r * 1e6) for r in trace.runtime_s]
    head, tail = heads_and_tails(micros, trace.parents)
    cp = max(h + d + t for h, d, t in zip(head, micros, tail))
    simple = max(cp, sum(micros) / slots) / 1e6
    if simple <= 0:
        raise ValueError(f"{trace.path}: every task has a runtime of 0")
    return target_s / simple


def scaled_ms(trace, scale):
    """Each task's sleep in whole milliseconds, as run (the bounds use these)."""
    return [max(0, round(r * scale * 1000)) for r in trace.runtime_s]


def sleep_arg(ms):
    """Seconds for `sleep`, from milliseconds: 1234 -> '1.234'."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def drover_yaml(trace, ms, env_value):
    """A drover workflow: one step per task, `after:` its parents, in the trace's order;
    the workflow's `env:` carries env_value, so a new value changes every job's key."""
    out = [f"name: dag-{trace.name}", "env:", f"  BENCH_RUN: \"{env_value}\"", "steps:"]
    for k, name in enumerate(trace.names):
        out.append(f"  {name}:")
        out.append(f"    run: sleep {sleep_arg(ms[k])}")
        if trace.parents[k]:
            out.append("    after: [" + ", ".join(trace.names[p] for p in trace.parents[k]) + "]")
    return "\n".join(out) + "\n"


def snakefile(trace, ms):
    """The same graph for Snakemake: one rule per task that sleeps and touches
    out/<name>, its inputs its parents' outputs; `all` asks for every task's output."""
    out = ["rule all:", "    input:"]
    out += [f"        \"out/{n}\"," for n in trace.names]
    for k, name in enumerate(trace.names):
        out += ["", f"rule {name}:"]
        if trace.parents[k]:
            out.append("    input: " + ", ".join(f"\"out/{trace.names[p]}\"" for p in trace.parents[k]))
        out.append(f"    output: \"out/{name}\"")
        out.append(f"    shell: \"sleep {sleep_arg(ms[k])} && touch {{output}}\"")
    return "\n".join(out) + "\n"
