"""Reuse: a second run runs nothing; each kind of change reruns exactly its dependents."""
import os
import unittest

from harness import DroverTest

WORKFLOW = """\
name: reuse
axes:
  task: [a, b]
  seed: [0, 1]
steps:
  train:
    over: [task, seed]
    run: sh train.sh {task} {seed} > model.txt && echo train {task} {seed} >> "$DROVER_WORKDIR/ran.log"
    outputs: [model.txt]
    inputs: ["data/{task}.csv"]
  evaluate:
    over: [task, seed]
    run: cat {train.model.txt} > eval.txt && echo evaluate {task} {seed} >> "$DROVER_WORKDIR/ran.log"
    outputs: [eval.txt]
  ensemble:
    over: [task]
    run: cat {evaluate.eval.txt...} > ens.txt && echo ensemble {task} >> "$DROVER_WORKDIR/ran.log"
    outputs: [ens.txt]
"""


class ReuseTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.write("drover.yaml", WORKFLOW)
        self.write("train.sh", "echo model $1 $2\n")
        self.write("data/a.csv", "1\n")
        self.write("data/b.csv", "2\n")

    def run_and_collect(self, *args):
        log = os.path.join(self.dir, "ran.log")
        if os.path.exists(log):
            os.remove(log)
        self.drover("run", *args)
        return sorted(self.lines("ran.log"))

    def test_second_run_runs_nothing(self):
        first = self.run_and_collect()
        self.assertEqual(len(first), 4 + 4 + 2)
        self.assertEqual(self.run_and_collect(), [])
        p = self.drover("run", "--dry-run")
        self.assertRegex(p.stdout, r"total\s+0\s+10")

    def test_new_axis_value_runs_only_new_jobs(self):
        self.run_and_collect()
        ran = self.run_and_collect("--set", "seed=0,1,2")
        self.assertEqual(ran, sorted(["train a 2", "train b 2", "evaluate a 2", "evaluate b 2",
                                      "ensemble a", "ensemble b"]))

    def test_input_file_change_reruns_its_dependents(self):
        self.run_and_collect()
        self.write("data/b.csv", "3\n")
        ran = self.run_and_collect()
        self.assertEqual(ran, sorted(["train b 0", "train b 1", "evaluate b 0", "evaluate b 1",
                                      "ensemble b"]))

    def test_script_change_reruns_everything_downstream(self):
        self.run_and_collect()
        self.write("train.sh", "echo model v2 $1 $2\n")
        self.assertEqual(len(self.run_and_collect()), 10)

    def test_deleted_output_reruns_job_and_dependents(self):
        self.run_and_collect()
        rows = self.query("SELECT dir FROM jobs WHERE name='evaluate/task=a,seed=1'")
        os.remove(os.path.join(self.dir, rows[0][0], "eval.txt"))
        self.assertEqual(self.run_and_collect(), ["ensemble a", "evaluate a 1"])

    def test_force_reruns_step_and_downstream(self):
        self.run_and_collect()
        ran = self.run_and_collect("--force", "evaluate")
        self.assertEqual(len(ran), 6)
        self.assertFalse(any(r.startswith("train") for r in ran))

    def test_dry_run_counts_and_writes_nothing_new(self):
        p = self.drover("run", "--dry-run")
        self.assertRegex(p.stdout, r"train\s+4\s+0")
        self.assertRegex(p.stdout, r"total\s+10\s+0")
        self.assertEqual(self.lines("ran.log"), [])

    def test_show_logs_and_jobs_of_another_workflow_in_the_store(self):
        for name in ("alpha", "beta"):
            self.write(f"{name}.yaml", f"""\
                name: {name}
                steps:
                  say: {{run: echo from-{name}}}
                """)
            self.drover("run", f"{name}.yaml")
        # The latest run is beta's; alpha's jobs are named by prefix or --workflow.
        self.assertEqual(self.drover("logs", "say", "--stdout").stdout, "from-beta\n")
        self.assertEqual(self.drover("logs", "alpha:say", "--stdout").stdout, "from-alpha\n")
        self.assertEqual(self.drover("logs", "say", "--workflow", "alpha", "--stdout").stdout, "from-alpha\n")
        self.assertIn("echo from-alpha", self.drover("show", "alpha:say").stdout)
        self.assertIn("say", self.drover("jobs", "--workflow", "alpha").stdout)
        p = self.drover("show", "gamma:say", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no run of workflow 'gamma'", p.stderr)

    def test_table_and_status_after_run(self):
        self.run_and_collect()
        p = self.drover("status")
        self.assertRegex(p.stdout, r"train\s+4")
        p = self.drover("jobs", "--step", "ensemble")
        self.assertEqual(len(p.stdout.strip().splitlines()), 2)
        p = self.drover("show", "ensemble/task=a")
        self.assertIn("ens.txt", p.stdout)
        p = self.drover("logs", "train/task=a,seed=0")
        self.assertIn("stdout", p.stdout)
        # The axes of a job's name may come in any order.
        self.assertIn("job      train/task=a,seed=0", self.drover("show", "train/seed=0,task=a").stdout)
        self.assertEqual(self.drover("show", "train/seed=9,task=a", check=False).returncode, 2)


if __name__ == "__main__":
    unittest.main()
