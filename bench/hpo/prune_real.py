#!/usr/bin/python3
"""drover's pruner run for real: a study of a workflow whose trials are processes with
real (sub-second) epochs on the curves of curves.h (bench/hpo/prune.sh drives it; not
a test). One JSON line per seed, as prune_bench and optuna_bench.py print:

  prune_real.py DROVER PRUNER SEEDS TRIALS EPOCHS EPOCH_S

Trials run one after another (parallel: 1), each sleeps EPOCH_S per epoch, logs the
epoch's loss and asks drover.should_prune(), which waits at each step the pruner judges
until drover has read it. Epochs are counted from what the store recorded.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

TRIAL = r'''
import math, os, sys, time
import drover

M = (1 << 64) - 1
def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)
def uniform(seed, trial, k):
    return (splitmix(splitmix(splitmix(seed) ^ trial) ^ k) >> 11) * (1.0 / 9007199254740992.0)
def curve_loss(seed, trial, epoch):
    final_loss = uniform(seed, trial, 0)
    start = 0.5 + 2.0 * uniform(seed, trial, 1)
    rate = 0.02 + 0.3 * uniform(seed, trial, 2)
    noise = 0.02 * (uniform(seed, trial, 1000 + epoch) - 0.5)
    return final_loss + start * math.exp(-rate * (epoch + 1)) + noise

seed, n = int(os.environ["SEED"]), int(os.environ["DROVER_TRIAL"])
epochs, epoch_s = int(os.environ["EPOCHS"]), float(os.environ["EPOCH_S"])
for e in range(epochs):
    time.sleep(epoch_s)
    drover.log(step=e, loss=curve_loss(seed, n, e))
    if drover.should_prune():
        sys.exit(0)
drover.log(loss=curve_loss(seed, n, epochs - 1))
'''

WORKFLOW = """\
name: bench
steps:
  tune:
    study:
      space: {{x: {{type: float, low: 0, high: 1}}}}
      sampler: random
      pruner: {{name: {pruner}}}
      metric: loss
      trials: {trials}
      parallel: 1
      seed: {seed}
    run: python3 trial.py {{x}}
    env: {{SEED: "{seed}", EPOCHS: "{epochs}", EPOCH_S: "{epoch_s}"}}
"""


def one_seed(drover, pruner, seed, trials, epochs, epoch_s):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "trial.py"), "w") as f:
            f.write(TRIAL)
        with open(os.path.join(d, "drover.yaml"), "w") as f:
            f.write(WORKFLOW.format(pruner=pruner, trials=trials, seed=seed, epochs=epochs,
                                    epoch_s=epoch_s))
        subprocess.run([drover, "run", "-q", "-j", "1"], cwd=d, check=True,
                       stdout=subprocess.DEVNULL)
        db = sqlite3.connect(os.path.join(d, ".drover", "drover.db"))
        rows = db.execute("SELECT state, value, intermediate FROM trials").fetchall()
        db.close()
    spent = sum(len(json.loads(inter or "[]")) for _, _, inter in rows)
    done = [v for state, v, _ in rows if state == "complete" and v is not None]
    print(json.dumps({"impl": f"drover-real-{epoch_s}s", "pruner": pruner, "seed": seed,
                      "epochs": spent, "best": min(done) if done else float("inf")}),
          flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 7:
        raise SystemExit(__doc__)
    drover, pruner = sys.argv[1], sys.argv[2]
    seeds, trials, epochs = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    for s in range(seeds):
        one_seed(drover, pruner, s, trials, epochs, float(sys.argv[6]))
