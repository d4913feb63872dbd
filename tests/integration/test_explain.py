"""Run history and explanations: `drover runs` lists runs with their counts, and
`drover explain` / `drover run --dry-run --explain` say why each job would run again."""
import os
import re
import unittest

from harness import DroverTest

WORKFLOW = """\
name: why
axes:
  seed: [0, 1]
steps:
  prep:
    over: [seed]
    run: sh prep.sh {seed} > data.txt
    inputs: ["raw/{seed}.csv"]
    outputs: [data.txt]
  train:
    over: [seed]
    env: {LR: "%s"}
    run: python3 train.py {prep.data.txt} > model.txt
    outputs: [model.txt]
"""


class ExplainTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.workflow("0.1")
        self.write("prep.sh", "echo data $1\n")
        self.write("raw/0.csv", "1\n")
        self.write("raw/1.csv", "2\n")
        self.write("train.py", "import sys\nprint(open(sys.argv[1]).read())\n")
        self.drover("run")

    def workflow(self, lr):
        self.write("drover.yaml", WORKFLOW % lr)

    def explain(self, job):
        return self.drover("explain", job).stdout

    def dry_explain(self):
        return self.drover("run", "--dry-run", "--explain").stdout

    def test_nothing_changed_reuses_everything(self):
        self.assertIn("would be reused", self.explain("train/seed=0"))
        self.assertIn("nothing would run", self.dry_explain())

    def test_changed_code_file_names_it_with_old_and_new_hash(self):
        self.write("train.py", "import sys\nprint('v2', open(sys.argv[1]).read())\n")
        out = self.explain("train/seed=1")
        m = re.search(r"code file train\.py changed \(([0-9a-f]{16}) -> ([0-9a-f]{16})\)", out)
        self.assertIsNotNone(m, out)
        self.assertNotEqual(m.group(1), m.group(2))
        # Grouped: both train jobs under one reason, the prep jobs not at all.
        dry = self.dry_explain()
        self.assertRegex(dry, r"2 jobs: code file train\.py changed")
        self.assertIn("train/seed=0, train/seed=1", dry)
        self.assertNotIn("prep/", dry.split("why jobs would run:")[1])

    def test_changed_input_names_it_with_old_and_new_hash(self):
        self.write("raw/1.csv", "3\n")
        out = self.explain("prep/seed=1")
        self.assertRegex(out, r"input raw/1\.csv changed \([0-9a-f]{16} -> [0-9a-f]{16}\)")
        self.assertIn("would be reused", self.explain("prep/seed=0"))

    def test_changed_env_value_names_it(self):
        self.workflow("0.2")
        out = self.explain("train/seed=0")
        self.assertIn("env LR changed (0.1 -> 0.2)", out)
        self.assertRegex(self.dry_explain(), r"2 jobs: env LR changed \(0\.1 -> 0\.2\)")

    def test_changed_upstream_names_the_upstream_job(self):
        self.write("prep.sh", "echo other data $1\n")
        out = self.explain("train/seed=1")
        self.assertIn("upstream step prep reruns: prep/seed=1", out)
        self.assertNotIn("code file train.py", out)
        dry = self.dry_explain()
        self.assertRegex(dry, r"2 jobs: code file prep\.sh changed")
        self.assertRegex(dry, r"2 jobs: upstream step prep reruns")

    def test_deleted_output_says_so(self):
        rows = self.query("SELECT dir FROM jobs WHERE name='prep/seed=0'")
        os.remove(os.path.join(self.dir, rows[0][0], "data.txt"))
        self.assertIn("output data.txt missing", self.explain("prep/seed=0"))
        self.assertIn("upstream step prep reruns: prep/seed=0", self.explain("train/seed=0"))
        self.assertIn("would be reused", self.explain("prep/seed=1"))

    def test_force_and_new_jobs(self):
        self.write("raw/2.csv", "4\n")
        out = self.drover("run", "--dry-run", "--explain", "--force", "prep",
                          "--set", "seed=0,1,2").stdout
        self.assertRegex(out, r"3 jobs: --force prep")
        self.assertRegex(out, r"2 jobs: no earlier attempt: new axis value seed=2\n"
                              r"\s+prep/seed=2, train/seed=2")

    def test_failed_job_says_how_it_failed(self):
        self.write("drover.yaml", "name: fails\nsteps:\n  s: {run: 'exit 3'}\n")
        self.assertEqual(self.drover("run", check=False).returncode, 1)
        self.assertIn("its latest attempt failed (exit 3)", self.explain("s"))
        out = self.drover("runs").stdout.splitlines()
        self.assertEqual(out[-1].split()[1], "fails")
        self.assertEqual(out[-1].split()[5:], ["failed", "0", "0", "1"])

    def test_unknown_job_is_a_clear_error(self):
        p = self.drover("explain", "train/seed=9", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no job 'train/seed=9'", p.stderr)

    def test_runs_lists_each_run_with_its_counts(self):
        self.write("train.py", "import sys\nprint('v2', open(sys.argv[1]).read())\n")
        self.drover("run")
        out = self.drover("runs").stdout.splitlines()
        self.assertRegex(out[0], r"run\s+workflow\s+started\s+duration\s+state\s+ran\s+reused\s+failed")
        rows = [l.split() for l in out[1:]]
        self.assertEqual(len(rows), 2, out)
        # run, workflow, date, time, duration, state, ran, reused, failed
        self.assertEqual(rows[0][0:2] + rows[0][5:], ["1", "why", "succeeded", "4", "0", "0"])
        self.assertEqual(rows[1][0:2] + rows[1][5:], ["2", "why", "succeeded", "2", "2", "0"])
        last = self.drover("runs", "--limit", "1").stdout.splitlines()
        self.assertEqual(len(last), 2)
        self.assertTrue(last[1].split()[0] == "2")


if __name__ == "__main__":
    unittest.main()
