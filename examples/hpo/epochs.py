#!/usr/bin/python3
"""What pruning saved: the epochs each study's trials ran, its best value, and the
epochs each needed (in trial order) to first reach the score that all of them reached.

    /usr/bin/python3 epochs.py STUDY [STUDY...] [--store DIR]

    /usr/bin/python3 epochs.py hpo:tune hpo-no-pruning:tune

Runs `drover study trials STUDY --format json`; drover is $DROVER, else this checkout's
build/drover, else the one on PATH."""
import json
import os
import shutil
import subprocess
import sys


def drover_binary():
    if os.environ.get("DROVER"):
        return os.environ["DROVER"]
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, os.pardir, os.pardir, "build", "drover")
    return built if os.access(built, os.X_OK) else shutil.which("drover") or "drover"


def trials_of(study, extra):
    args = [drover_binary(), *extra, "study", "trials", study, "--format", "json"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return sorted(json.loads(out), key=lambda t: t["number"])


def epochs_to_reach(trials, target):
    """Epochs run, in trial order, until a complete trial scored <= target."""
    total = 0
    for t in trials:
        total += len(t["intermediate"])
        if t["state"] == "complete" and t["value"] <= target:
            return total, t["number"]
    return None, None


def main():
    argv = sys.argv[1:]
    extra = []
    if "--store" in argv:
        i = argv.index("--store")
        extra = argv[i:i + 2]
        del argv[i:i + 2]
    if not argv:
        sys.exit(__doc__)
    studies = {s: trials_of(s, extra) for s in argv}
    bests = {}
    for name, trials in studies.items():
        states = {}
        for t in trials:
            states[t["state"]] = states.get(t["state"], 0) + 1
        epochs = sum(len(t["intermediate"]) for t in trials)
        best = min((t["value"] for t in trials if t["state"] == "complete"), default=None)
        bests[name] = best
        print(f"{name}: {len(trials)} trials {states}, {epochs} epochs, best {best}")
    if len(studies) > 1 and all(b is not None for b in bests.values()):
        target = max(bests.values())  # the best score every study reached
        for name, trials in studies.items():
            epochs, number = epochs_to_reach(trials, target)
            print(f"{name}: reached {target} at trial {number}, after {epochs} epochs")


if __name__ == "__main__":
    main()
