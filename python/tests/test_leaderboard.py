"""Smoke tests for examples/leaderboard: the scripts run by hand, as drover would
run them (one directory per job, DROVER_METRICS set), and the data split rules.

Skipped when scikit-learn is not importable (use /usr/bin/python3 on Debian).
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
EXAMPLE = os.path.join(REPO, "examples", "leaderboard")

try:
    import numpy as np
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover - depends on the interpreter
    np = None

if np is not None and EXAMPLE not in sys.path:
    sys.path.insert(0, EXAMPLE)


def metrics(path):
    """Last value of each metric in a metrics.jsonl file."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            out[record["name"]] = record["value"]
    return out


@unittest.skipIf(np is None, "numpy/scikit-learn not available to this interpreter")
class TestSplit(unittest.TestCase):
    def setUp(self):
        import common
        self.common = common

    def test_test_split_is_fixed(self):
        a = self.common.split("wine")
        b = self.common.split("wine")
        np.testing.assert_array_equal(a["X_test"], b["X_test"])
        self.assertEqual(len(a["y_test"]) + len(a["y_train"]), 178)

    def test_subsample_keeps_every_class_and_depends_on_seed(self):
        for task in self.common.TASKS:
            y = self.common.split(task)["y_train"]
            for seed in (0, 42, 10061880):
                idx = self.common.subsample(y, 0.1, seed)
                self.assertEqual(set(y[idx]), set(y), task)
                self.assertEqual(len(set(idx)), len(idx))
                np.testing.assert_array_equal(idx, self.common.subsample(y, 0.1, seed))
            self.assertFalse(np.array_equal(self.common.subsample(y, 0.25, 0),
                                            self.common.subsample(y, 0.25, 42)))
            self.assertEqual(len(self.common.subsample(y, 1.0, 0)), len(y))

    def test_subsample_size(self):
        y = self.common.split("digits")["y_train"]
        for fraction in (0.1, 0.25, 0.9):
            n = len(self.common.subsample(y, fraction, 0))
            self.assertLess(abs(n - fraction * len(y)), len(set(y)) + 1)


@unittest.skipIf(np is None, "numpy/scikit-learn not available to this interpreter")
class TestScriptsEndToEnd(unittest.TestCase):
    """train -> evaluate -> ensemble for wine, fraction 0.1, all models."""

    def run_job(self, root, name, script, *args):
        job = os.path.join(root, name)
        os.makedirs(job)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DROVER_")}
        env.pop("PYTHONPATH", None)  # the scripts must find the client by themselves
        env.update(DROVER_METRICS=os.path.join(job, "metrics.jsonl"), DROVER_JOB_DIR=job,
                   DROVER_ATTEMPT="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
        proc = subprocess.run([sys.executable, os.path.join(EXAMPLE, script), *args],
                              cwd=job, env=env, capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr.strip(), "", "warnings should be silenced")
        return job

    def test_pipeline(self):
        with tempfile.TemporaryDirectory() as root:
            predictions = []
            for model in ("logreg", "mlp", "forest"):
                train = self.run_job(root, "train-" + model, "train.py", "--task", "wine",
                                     "--fraction", "0.1", "--seed", "42", "--model", model,
                                     "--out", "model.pkl")
                m = metrics(os.path.join(train, "metrics.jsonl"))
                self.assertEqual(set(m), {"train_accuracy", "fit_seconds", "n_train"})
                self.assertGreaterEqual(m["n_train"], 6)
                self.assertTrue(os.path.isfile(os.path.join(train, "model.pkl")))

                ev = self.run_job(root, "evaluate-" + model, "evaluate.py", "--model",
                                  os.path.join(train, "model.pkl"), "--task", "wine",
                                  "--out", "predictions.npy")
                m = metrics(os.path.join(ev, "metrics.jsonl"))
                self.assertGreater(m["accuracy"], 0.6)
                self.assertIn("f1_macro", m)
                proba = np.load(os.path.join(ev, "predictions.npy"))
                self.assertEqual(proba.shape, (54, 3))
                np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
                predictions.append(os.path.join(ev, "predictions.npy"))

            ens = self.run_job(root, "ensemble", "ensemble.py", "--task", "wine",
                               "--out", "ensemble.npy", "--predictions", *predictions)
            m = metrics(os.path.join(ens, "metrics.jsonl"))
            self.assertEqual(m["n_models"], 3)
            self.assertGreater(m["accuracy"], 0.6)
            mean = np.mean([np.load(p) for p in predictions], axis=0)
            np.testing.assert_allclose(np.load(os.path.join(ens, "ensemble.npy")), mean)

            # A model evaluated against the wrong task is refused.
            job = os.path.join(root, "wrong")
            os.makedirs(job)
            proc = subprocess.run(
                [sys.executable, os.path.join(EXAMPLE, "evaluate.py"), "--model",
                 os.path.join(root, "train-logreg", "model.pkl"), "--task", "digits",
                 "--out", "p.npy"], cwd=job, capture_output=True, text=True)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("trained on 'wine'", proc.stderr)


if __name__ == "__main__":
    unittest.main()
