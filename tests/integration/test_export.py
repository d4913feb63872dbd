"""Getting results out of the store: drover show's metric lines, drover metrics (a job's
series) and drover export (one row per job, CSV or JSON Lines), on real runs."""
import csv
import io
import json
import os
import unittest

from harness import DroverTest

# A job that logs a loss curve (one value per epoch) and a final accuracy, and writes
# its model file. Its arguments: the accuracy, then how many epochs.
LOG_PY = """\
import json, os, sys
acc, epochs = float(sys.argv[1]), int(sys.argv[2])
with open(os.environ["DROVER_METRICS"], "a") as f:
    for e in range(epochs):
        f.write(json.dumps({"name": "loss", "value": 1.0 / (e + 1), "step": e, "time": 1e9 + e}) + "\\n")
    f.write(json.dumps({"name": "accuracy", "value": acc, "time": 1e9}) + "\\n")
open("model.txt", "w").write("m")
"""

WORKFLOW = """\
name: paper
axes:
  seed: [0, 1]
  model: [lin, "a,b"]
steps:
  train:
    over: [seed, model]
    run: /usr/bin/python3 log.py 0.{seed}5 3
    outputs: [model.txt]
  ensemble:
    over: [seed]
    run: /usr/bin/python3 log.py 0.9 1 && test {seed} = 0
    outputs: [model.txt]
    after: [train]
"""


class ExportTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.write("log.py", LOG_PY)
        self.write("drover.yaml", WORKFLOW)

    def test_show_and_metrics_print_the_history(self):
        self.drover("run", "-q", check=False)  # ensemble/seed=1 fails on purpose
        show = self.drover("show", "train/seed=1,model=lin").stdout
        self.assertIn("metric   loss = 0.333333 (3 values, last at step 2)", show)
        self.assertIn("metric   accuracy = 0.15 (1 value)", show)
        text = self.drover("metrics", "train/seed=1,model=lin", "--name", "loss").stdout
        rows = [l.split() for l in text.splitlines()]
        self.assertEqual(rows[0], ["name", "step", "value", "time"])
        self.assertEqual([r[:3] for r in rows[1:]],
                         [["loss", "0", "1"], ["loss", "1", "0.5"], ["loss", "2", "0.3333333333333333"]])
        self.assertEqual(rows[1][3], "2001-09-09T01:46:40Z")
        series = list(csv.DictReader(io.StringIO(
            self.drover("metrics", "train/seed=1,model=lin", "--format", "csv").stdout)))
        self.assertEqual([(r["name"], r["step"], r["value"]) for r in series],
                         [("loss", "0", "1"), ("loss", "1", "0.5"),
                          ("loss", "2", "0.3333333333333333"), ("accuracy", "", "0.15")])
        lines = self.drover("metrics", "train/seed=1,model=lin", "--name", "accuracy",
                            "--format", "jsonl").stdout.splitlines()
        self.assertEqual([json.loads(l) for l in lines],
                         [{"name": "accuracy", "step": None, "value": 0.15, "time": 1e9}])

    def test_metrics_says_what_was_logged_instead(self):
        self.drover("run", "-q", check=False)  # ensemble/seed=1 fails on purpose
        p = self.drover("metrics", "train/seed=1,model=lin", "--name", "acc", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("logged no metric named 'acc' (it logged loss, accuracy)", p.stderr)
        p = self.drover("metrics", "train/seed=1,model=lin", "--format", "xml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--format must be text, csv or jsonl", p.stderr)

    def export(self, *args):
        return list(csv.DictReader(io.StringIO(self.drover("export", *args).stdout)))

    def test_export_one_row_per_job_with_documented_columns(self):
        self.drover("run", "-q", check=False)
        rows = self.export()
        self.assertEqual(list(rows[0].keys()), [
            "workflow", "run", "step", "seed", "model", "job", "state", "key", "attempt",
            "start", "duration", "host", "slurm_id", "metric.accuracy", "metric.loss",
            "output.model.txt"])
        self.assertEqual([r["job"] for r in rows], [
            "train/seed=0,model=lin", 'train/seed=0,model=a,b', "train/seed=1,model=lin",
            'train/seed=1,model=a,b', "ensemble/seed=0", "ensemble/seed=1"])
        lin1 = rows[2]
        self.assertEqual((lin1["workflow"], lin1["run"], lin1["step"], lin1["seed"], lin1["model"]),
                         ("paper", "1", "train", "1", "lin"))
        self.assertEqual((lin1["state"], lin1["attempt"], lin1["metric.accuracy"], lin1["metric.loss"]),
                         ("succeeded", "1", "0.15", "0.3333333333333333"))
        self.assertEqual(rows[1]["model"], "a,b")
        key = self.query("SELECT key FROM jobs WHERE name=?", lin1["job"])[0][0]
        self.assertEqual(lin1["key"], key)
        self.assertTrue(os.path.isabs(lin1["output.model.txt"]))
        self.assertTrue(os.path.isfile(lin1["output.model.txt"]))
        self.assertRegex(lin1["start"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertGreaterEqual(float(lin1["duration"]), 0)
        self.assertEqual((rows[4]["model"], rows[4]["state"]), ("", "succeeded"))
        self.assertEqual(rows[5]["state"], "failed")

    def test_export_selects_runs_and_attempts(self):
        self.drover("run", "-q", check=False)
        self.drover("run", "-q", check=False)  # ensemble/seed=1 fails a second time
        latest = self.export("--step", "ensemble")
        self.assertEqual([(r["job"], r["state"], r["attempt"], r["run"]) for r in latest],
                         [("ensemble/seed=0", "succeeded", "1", "1"),
                          ("ensemble/seed=1", "failed", "2", "2")])
        every = self.export("--all-runs", "--step", "ensemble")
        self.assertEqual([(r["job"], r["attempt"], r["run"]) for r in every],
                         [("ensemble/seed=0", "1", "1"), ("ensemble/seed=1", "1", "1"),
                          ("ensemble/seed=1", "2", "2")])
        self.assertEqual(len(self.export("--run", "2")), 6)
        self.drover("export", "--format", "jsonl", "--workflow", "paper", "-o", "out.jsonl")
        lines = [json.loads(l) for l in self.lines("out.jsonl")]
        self.assertEqual(len(lines), 6)
        self.assertEqual(lines[0]["metric.accuracy"], 0.05)
        self.assertEqual(lines[0]["run"], 1)
        self.assertIsNone(lines[0]["slurm_id"])
        p = self.drover("export", "--workflow", "nope", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no job of workflow 'nope' in the store", p.stderr)

    def test_export_follows_the_plan_of_the_file_as_written(self):
        self.drover("run", "-q", check=False)
        self.drover("run", "-q", "--set", "seed=7", check=False)  # not in the file
        self.write("drover.yaml", WORKFLOW.replace("seed: [0, 1]", "seed: [2, 0, 1]"))
        # The export lists the plan as the last run or plan recorded it (as drover.results()
        # reads it): the new value only once planned.
        self.assertNotIn("train/seed=2,model=lin", [r["job"] for r in self.export("--step", "train")])
        self.drover("plan")
        rows = self.export("--step", "train")
        self.assertEqual([(r["job"], r["state"]) for r in rows], [
            ("train/seed=2,model=lin", "pending"), ("train/seed=2,model=a,b", "pending"),
            ("train/seed=0,model=lin", "succeeded"), ("train/seed=0,model=a,b", "succeeded"),
            ("train/seed=1,model=lin", "succeeded"), ("train/seed=1,model=a,b", "succeeded")])
        self.assertEqual((rows[0]["attempt"], rows[0]["start"], rows[0]["metric.accuracy"]),
                         ("", "", ""))
        self.assertRegex(rows[0]["key"], "^[0-9a-f]{32}$")  # the key `drover plan` gave it
        self.assertEqual(rows[2]["metric.accuracy"], "0.05")
        every = self.export("--all-runs", "--step", "train")
        self.assertIn("train/seed=7,model=lin", [r["job"] for r in every])


if __name__ == "__main__":
    unittest.main()
