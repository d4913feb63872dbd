"""drover.results(), .results_frame() and .metrics() on a store made by a real run.

Needs the drover binary: $DROVER_BUILD_DIR/drover, else build/drover in the repository
(skipped with the reason when there is none)."""

import json
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

    def test_results_frame(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            with self.assertRaisesRegex(ImportError, "needs pandas, which is not installed"):
                drover.results_frame(store=self.dir)
            return
        frame = drover.results_frame(store=self.dir)
        self.assertEqual(list(frame["metric.accuracy"]), [0.05, 0.15])

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


if __name__ == "__main__":
    unittest.main()
