#!/usr/bin/env python3
"""Learning curves from a drover store: one line per job, a metric against its step.

    python3 curves.py --metric loss [--step train] [--workflow W] [--store DIR] [-o curves.png]

Reads the store read-only through the drover client (drover.results() picks each job's
latest succeeded attempt, drover.metrics() gives its series) and draws with matplotlib's
Agg backend into a PNG (Debian: apt-get install python3-matplotlib). Values logged
without a step are skipped: a curve needs steps (drover.log(loss=..., step=epoch)).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

import drover  # noqa: E402


def curves(metric, step=None, workflow=None, store=None):
    """{job name: [(step, value), ...]} for every job that logged `metric` at steps."""
    out = {}
    for row in drover.results(workflow=workflow, step=step, store=store):
        if row["state"] != "succeeded":
            continue
        points = [(m["step"], m["value"]) for m in drover.metrics(row["key"], store=store)
                  if m["name"] == metric and m["step"] is not None]
        if points:
            out[row["job"]] = sorted(points)
    return out


def plot(series, metric, path):
    """Draws the curves into a PNG at `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for job, points in series.items():
        ax.plot([s for s, _ in points], [v for _, v in points], label=job, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    if len(series) <= 12:
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--metric", required=True, help="the metric to plot, e.g. loss")
    p.add_argument("--step", help="only the jobs of this workflow step")
    p.add_argument("--workflow", help="only this workflow's jobs")
    p.add_argument("--store", help="the folder holding .drover/ (default: nearest above)")
    p.add_argument("-o", "--output", default="curves.png", help="the PNG to write")
    a = p.parse_args()
    try:
        series = curves(a.metric, a.step, a.workflow, a.store)
    except FileNotFoundError as e:
        sys.exit(str(e))
    if not series:
        sys.exit(f"curves.py: no succeeded job logged {a.metric!r} at steps "
                 f"(drover.log({a.metric}=..., step=epoch))")
    try:
        plot(series, a.metric, a.output)
    except ImportError:
        sys.exit("curves.py needs matplotlib: apt-get install python3-matplotlib")
    print(f"{a.output}: {len(series)} curves of {a.metric}")


if __name__ == "__main__":
    main()
