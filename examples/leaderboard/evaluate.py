#!/usr/bin/python3
"""Evaluate a trained model on the task's fixed held-out test split.

    evaluate.py --model /path/to/model.pkl --task digits --out predictions.npy

Saves the class-probability predictions (n_test x n_classes, columns in sorted
label order) with np.save and logs `accuracy` and `f1_macro`.
"""

import argparse
import os
import pickle

import common  # this folder is on sys.path: it holds the script
from common import drover
import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="model.pkl written by train.py")
    ap.add_argument("--task", required=True, choices=common.TASKS)
    ap.add_argument("--out", required=True, help="where to np.save the probabilities")
    args = ap.parse_args()
    common.quiet_warnings()

    with open(args.model, "rb") as f:
        bundle = pickle.load(f)
    if bundle["task"] != args.task:
        raise SystemExit(f"{args.model} was trained on {bundle['task']!r}, "
                         f"not on --task {args.task!r}")

    data = common.split(args.task)
    model = bundle["model"]
    proba = common.align_proba(model.predict_proba(data["X_test"]),
                               model.classes_, data["classes"])
    with open(args.out + ".tmp", "wb") as f:
        np.save(f, proba)
    os.replace(args.out + ".tmp", args.out)

    drover.log(**common.scores(data["y_test"], proba, data["classes"]))


if __name__ == "__main__":
    main()
