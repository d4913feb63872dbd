#!/usr/bin/python3
"""Soft-voting ensemble: average the probability predictions of several models.

    ensemble.py --task digits --out ensemble.npy --predictions a.npy b.npy c.npy

All prediction files must come from evaluate.py on the same task (same fixed
test split). Saves the averaged probabilities and logs `accuracy`, `f1_macro`
and `n_models`.
"""

import argparse
import os

import common  # this folder is on sys.path: it holds the script
from common import drover
import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", required=True, choices=common.TASKS)
    ap.add_argument("--out", required=True, help="where to np.save the averaged probabilities")
    ap.add_argument("--predictions", required=True, nargs="+",
                    help="predictions.npy files written by evaluate.py")
    args = ap.parse_args()

    data = common.split(args.task)
    expected = (len(data["y_test"]), len(data["classes"]))
    total = np.zeros(expected, dtype=np.float64)
    for path in args.predictions:
        proba = np.load(path)
        if proba.shape != expected:
            raise SystemExit(f"{path}: predictions of shape {proba.shape}, expected "
                             f"{expected} for task {args.task!r}")
        total += proba
    mean = total / len(args.predictions)

    with open(args.out + ".tmp", "wb") as f:
        np.save(f, mean)
    os.replace(args.out + ".tmp", args.out)

    drover.log(**common.scores(data["y_test"], mean, data["classes"]),
               n_models=len(args.predictions))


if __name__ == "__main__":
    main()
