"""Prints the epochs a study's trials ran and its best value:
    python3 epochs.py STUDY [--store DIR]"""
import json
import os
import subprocess
import sys

drover = os.environ.get("DROVER", "drover")
args = [drover] + sys.argv[2:] + ["study", "trials", sys.argv[1], "--format", "json"]
trials = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
epochs = sum(len(t["intermediate"]) for t in trials)
states = {}
for t in trials:
    states[t["state"]] = states.get(t["state"], 0) + 1
best = min((t["value"] for t in trials if t["state"] == "complete"), default=None)
print(f"{sys.argv[1]}: {len(trials)} trials {states}, {epochs} epochs, best error {best}")
