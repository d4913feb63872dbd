#!/usr/bin/python3
"""Train one model on a seeded fraction of a task's training split.

    train.py --task digits --fraction 0.25 --seed 42 --model forest --out model.pkl

Logs `train_accuracy`, `fit_seconds` and `n_train` through the drover client
and pickles the fitted model together with the task it was trained on.
"""

import argparse
import os
import pickle
import time

import common  # this folder is on sys.path: it holds the script
from common import drover


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", required=True, choices=common.TASKS)
    ap.add_argument("--fraction", required=True, type=float)
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--model", required=True, choices=common.MODELS)
    ap.add_argument("--out", required=True, help="where to pickle the fitted model")
    args = ap.parse_args()
    common.quiet_warnings()

    data = common.split(args.task)
    idx = common.subsample(data["y_train"], args.fraction, args.seed)
    X, y = data["X_train"][idx], data["y_train"][idx]

    model = common.make_model(args.model, args.seed)
    start = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - start
    train_accuracy = float((model.predict(X) == y).mean())

    bundle = {"model": model, "model_name": args.model, "task": args.task,
              "fraction": args.fraction, "seed": args.seed, "n_train": len(y)}
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(bundle, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, args.out)  # never leave half a model behind

    drover.log(train_accuracy=train_accuracy, fit_seconds=fit_seconds, n_train=len(y))


if __name__ == "__main__":
    main()
