"""A training loop on "another machine": it asks a `drover serve` for a trial's
hyperparameters, reports a validation loss per epoch (stopping when the study's
pruner says so) and tells the final loss, all over HTTP with drover.Client.

    python3 train.py http://HOST:8765 [--token TOKEN] [--study lr-search] [--trials 20]

The model is a toy (a noisy quadratic bowl, so that it runs anywhere in a second);
swap `train_one_epoch` for a real one. Several copies may run at once, on any
number of machines: each ask gets its own trial.
"""
import argparse
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import drover  # noqa: E402

SPACE = {"lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
         "momentum": {"type": "float", "low": 0.0, "high": 0.99},
         "batch": {"type": "categorical", "choices": ["32", "64", "128"]}}


def train_one_epoch(params, epoch, rng):
    """The validation loss after `epoch` epochs (lower is better)."""
    gap = (math.log10(params["lr"]) + 2) ** 2 + (params["momentum"] - 0.9) ** 2
    return gap + 1.0 / (epoch + 1) + 0.02 * rng.random()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url", help="the server, http://HOST:PORT (a login link works too)")
    ap.add_argument("--token", default=os.environ.get("DROVER_TOKEN"), help="a submit token")
    ap.add_argument("--study", default="remote-lr")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()

    client = drover.Client(args.url, token=args.token)
    try:
        client.create_study(args.study, SPACE, sampler="tpe",
                            pruner={"name": "median", "n_startup_trials": 3})
    except drover.ApiError as e:
        if e.status != 409:  # 409: it exists already (another copy made it)
            raise
    rng = random.Random()
    for _ in range(args.trials):
        trial = client.ask(args.study)
        n, params = trial["number"], trial["params"]
        loss = None
        for epoch in range(args.epochs):
            loss = train_one_epoch(params, epoch, rng)
            if client.report(args.study, n, epoch, loss):
                client.tell(args.study, n, state="pruned")
                print(f"trial {n}: pruned at epoch {epoch} (loss {loss:.3f})")
                break
        else:
            client.tell(args.study, n, loss)
            print(f"trial {n}: loss {loss:.3f}  {params}")
    best = client.best(args.study)
    print(f"best: trial {best['number']}, loss {best['value']:.3f}, {best['params']}")


if __name__ == "__main__":
    main()
