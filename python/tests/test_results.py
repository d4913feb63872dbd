"""drover.results(), .results_frame() and .metrics() on a store made by a real run.

Needs the drover binary: $DROVER_BUILD_DIR/drover, else build/drover in the repository
(skipped with the reason when there is none)."""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "python"))

import drover  # noqa: E402

DROVER = os.path.join(os.environ.get("DROVER_BUILD_DIR", os.path.join(REPO, "build")), "drover")

LOG_PY = """\
import json, os, sys
with open(os.environ["DROVER_METRICS"], "a") as f:
    for e in range(3):
        f.write(json.dumps({"name": "loss", "value": 1.0 / (e + 1), "step": e, "time": 5.0}) + "\\n")
    f.write(json.dumps({"name": "accuracy", "value": float(sys.argv[1])}) + "\\n")
open("model.txt", "w").write("m")
"""

WORKFLOW = """\
name: client
axes:
  seed: [0, 1]
steps:
  train:
    over: [seed]
    run: /usr/bin/python3 log.py 0.{seed}5
    outputs: [model.txt]
"""


@unittest.skipUnless(os.access(DROVER, os.X_OK), f"no drover binary at {DROVER} (build it first)")
class ResultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="drover-client-")
        for name, text in (("log.py", LOG_PY), ("drover.yaml", WORKFLOW)):
            with open(os.path.join(cls.dir, name), "w") as f:
                f.write(textwrap.dedent(text))
        subprocess.run([DROVER, "run", "-q"], cwd=cls.dir, check=True, capture_output=True,
                       timeout=300)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_results_are_the_export_rows(self):
        rows = drover.results(store=self.dir)
        self.assertEqual([(r["job"], r["seed"], r["state"], r["metric.accuracy"]) for r in rows],
                         [("train/seed=0", "0", "succeeded", 0.05),
                          ("train/seed=1", "1", "succeeded", 0.15)])
        self.assertTrue(os.path.isfile(rows[0]["output.model.txt"]))
        export = subprocess.run([DROVER, "export", "--format", "jsonl"], cwd=self.dir, check=True,
                                capture_output=True, text=True, timeout=60).stdout
        self.assertEqual(rows, [json.loads(l) for l in export.splitlines()])
        self.assertEqual(drover.results(workflow="other", store=self.dir), [])

    def test_metrics_is_the_whole_history(self):
        series = drover.metrics("train/seed=1", store=self.dir)
        self.assertEqual([(m["name"], m["step"], m["value"]) for m in series],
                         [("loss", 0, 1.0), ("loss", 1, 0.5), ("loss", 2, 1 / 3),
                          ("accuracy", None, 0.15)])
        with self.assertRaises(KeyError):
            drover.metrics("train/seed=9", store=self.dir)

    def test_results_frame_has_the_documented_columns_and_dtypes(self):
        try:
            import pandas
        except ImportError:
            self.skipTest("pandas is not installed (scripts/deps.sh installs python3-pandas)")
        frame = drover.results_frame(store=self.dir)
        self.assertIsInstance(frame, pandas.DataFrame)
        self.assertEqual(list(frame.columns), [
            "workflow", "run", "step", "seed", "job", "state", "key", "attempt", "start",
            "duration", "host", "slurm_id", "metric.accuracy", "metric.loss", "output.model.txt"])
        self.assertEqual(list(frame["metric.accuracy"]), [0.05, 0.15])
        for column in ("run", "attempt", "duration", "metric.accuracy", "metric.loss"):
            self.assertTrue(pandas.api.types.is_numeric_dtype(frame[column]), column)
        self.assertEqual(list(frame["seed"]), ["0", "1"])  # axis values stay text

    def test_results_frame_without_pandas_says_how_to_get_it(self):
        code = textwrap.dedent(f"""\
            import sys
            sys.modules["pandas"] = None  # import pandas raises ImportError
            sys.path.insert(0, {os.path.join(REPO, "python")!r})
            import drover
            try:
                drover.results_frame(store={self.dir!r})
            except ImportError as e:
                print("ImportError:", e)
            """)
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("drover.results_frame needs pandas, which is not installed", p.stdout)
        self.assertIn("apt-get install python3-pandas", p.stdout)

    def test_curves_example_draws_a_png(self):
        script = os.path.join(REPO, "examples", "leaderboard", "curves.py")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.skipTest("matplotlib is not installed (apt-get install python3-matplotlib)")
        png = os.path.join(self.dir, "curves.png")
        p = subprocess.run([sys.executable, script, "--metric", "loss", "--store", self.dir,
                            "-o", png], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2 curves of loss", p.stdout)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        p = subprocess.run([sys.executable, script, "--metric", "accuracy", "--store", self.dir],
                           capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no succeeded job logged 'accuracy' at steps", p.stderr)

    def test_no_store_says_where_it_looked(self):
        with self.assertRaisesRegex(FileNotFoundError, "no drover store in /nonexistent"):
            drover.results(store="/nonexistent")


SWEEP = """\
name: sweep
axes:
  seed: [0, 1, 2]
steps:
  train:
    over: [seed]
    run: /usr/bin/python3 log.py 0.{seed}5
    outputs: [model.txt]
  score:
    over: [seed]
    run: /usr/bin/python3 log.py 0.9{seed} {train.model.txt}
"""


@unittest.skipUnless(os.access(DROVER, os.X_OK), f"no drover binary at {DROVER} (build it first)")
class ResultsFollowThePlanTest(unittest.TestCase):
    """drover.results() and `drover export` list the same jobs, in the same order: the plan
    of the file as written, recorded at each run and plan, pending jobs included."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="drover-client-plan-")
        self.write("log.py", LOG_PY)
        self.write("drover.yaml", SWEEP)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def drover(self, *args):
        return subprocess.run([DROVER, *args], cwd=self.dir, check=True, capture_output=True,
                              text=True, timeout=300).stdout

    def export(self, *args):
        return [json.loads(l)
                for l in self.drover("export", "--format", "jsonl", *args).splitlines()]

    def test_a_subset_run_gives_every_planned_job_in_file_order(self):
        self.drover("run", "-q", "--set", "seed=1")
        rows = drover.results(store=self.dir)
        self.assertEqual(rows, self.export())
        self.assertEqual([(r["job"], r["state"]) for r in rows], [
            ("train/seed=0", "pending"), ("train/seed=1", "succeeded"),
            ("train/seed=2", "pending"), ("score/seed=0", "pending"),
            ("score/seed=1", "succeeded"), ("score/seed=2", "pending")])
        pending = rows[0]
        self.assertEqual((pending["key"], pending["attempt"], pending["metric.accuracy"],
                          pending["output.model.txt"]), ("", None, None, None))
        self.assertEqual(rows[1]["metric.accuracy"], 0.15)
        try:
            import pandas
        except ImportError:
            pandas = None
        if pandas is not None:  # missing numbers are NaN in numeric columns
            frame = drover.results_frame(store=self.dir)
            self.assertEqual(len(frame), 6)
            for column in ("run", "attempt", "duration", "metric.accuracy"):
                self.assertTrue(pandas.api.types.is_numeric_dtype(frame[column]), column)
            self.assertTrue(math.isnan(frame["metric.accuracy"][0]))
            self.assertTrue(math.isnan(frame["attempt"][0]))
            self.assertEqual(frame["metric.accuracy"][1], 0.15)
        self.assertEqual(drover.results(step="score", store=self.dir),
                         self.export("--step", "score"))
        self.assertEqual([r["job"] for r in drover.results(step="score", store=self.dir)],
                         [r["job"] for r in rows if r["step"] == "score"])
        # A value run with --set that the file does not have is left out of both.
        self.drover("run", "-q", "--set", "seed=7")
        self.assertNotIn("train/seed=7", [r["job"] for r in drover.results(store=self.dir)])
        self.assertEqual(drover.results(store=self.dir), self.export())

    def test_a_value_added_to_the_file_shows_pending_once_planned(self):
        self.drover("run", "-q")
        self.write("drover.yaml", SWEEP.replace("seed: [0, 1, 2]", "seed: [3, 0, 1, 2]"))
        self.drover("plan")
        rows = drover.results(store=self.dir)
        self.assertEqual(rows, self.export())
        self.assertEqual([(r["job"], r["state"]) for r in rows if r["step"] == "train"], [
            ("train/seed=3", "pending"), ("train/seed=0", "succeeded"),
            ("train/seed=1", "succeeded"), ("train/seed=2", "succeeded")])
        self.assertEqual(rows[0]["metric.accuracy"], None)  # planned, never run


if __name__ == "__main__":
    unittest.main()
