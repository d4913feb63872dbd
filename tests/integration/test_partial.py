"""Partial gathers: with partial: true a gathering step runs on the upstream jobs that
succeeded (naming the others in $DROVER_MISSING and in drover show); without it, the run's
end names each skipped job and the failure that skipped it."""
import os
import unittest

from harness import DroverTest

WORKFLOW = """\
name: part
axes:
  model: [a, b, c]
steps:
  train:
    over: [model]
    run: python3 train.py {model}
    outputs: [model.txt]
  ensemble:
    run: python3 ensemble.py {train.model.txt...}
    outputs: [ens.txt]
%s
  final:
    run: cat {ensemble.ens.txt} > final.txt
    outputs: [final.txt]
"""

# Fails for the models listed in bad.txt (read when it runs: not part of any key).
TRAIN = """\
import os, sys
model = sys.argv[1]
with open(os.path.join(os.environ["DROVER_WORKDIR"], "bad.txt")) as f:
    if model in f.read().split():
        sys.exit(3)
with open("model.txt", "w") as f:
    f.write(model)
"""

# Writes the models it gathered and what $DROVER_MISSING said.
ENSEMBLE = """\
import os, sys
names = [open(p).read() for p in sys.argv[1:]]
with open("ens.txt", "w") as f:
    f.write(",".join(names) + "|" + os.environ.get("DROVER_MISSING", "<unset>"))
"""


class PartialTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.write("train.py", TRAIN)
        self.write("ensemble.py", ENSEMBLE)

    def use(self, partial, bad):
        self.write("drover.yaml", WORKFLOW % ("    partial: true" if partial else ""))
        self.write("bad.txt", bad + "\n")

    def run_workflow(self):
        p = self.drover("run", "drover.yaml", check=False)
        return p, p.stdout + p.stderr

    def result(self, job):
        """What a job of the latest run wrote, read through drover show's dir line."""
        show = self.drover("show", job).stdout
        folder = [l.split(None, 1)[1] for l in show.splitlines() if l.startswith("dir")][0]
        name = {"ensemble": "ens.txt", "final": "final.txt"}[job]
        with open(os.path.join(folder, name)) as f:
            return f.read(), show

    def test_partial_gather_runs_on_what_succeeded_and_reruns_whole_when_fixed(self):
        self.use(partial=True, bad="b")
        p, out = self.run_workflow()
        self.assertNotEqual(p.returncode, 0, out)  # a job failed: the run says so
        self.assertIn("1 FAILED", out)
        ens, show = self.result("ensemble")
        self.assertEqual(ens, "a,c|train/model=b")
        self.assertIn("partial  ran without train/model=b", show)
        partial_key = [l.split()[1] for l in show.splitlines() if l.startswith("key")][0]
        # What follows the partial ensemble reads the partial ensemble's result.
        final, _ = self.result("final")
        self.assertEqual(final, "a,c|train/model=b")
        self.assertEqual(self.job_state("final"), "succeeded")

        # Still failing: the partial ensemble (same upstream jobs, same result) is reused.
        p, out = self.run_workflow()
        self.assertIn("1 FAILED", out)
        self.assertEqual(self.query("SELECT count(*) FROM attempts a JOIN jobs j ON "
                                    "j.id=a.job_id WHERE j.key=?", partial_key), [(1,)])

        # Fixed: the ensemble runs again on all three, as a job of its own.
        self.use(partial=True, bad="")
        p, out = self.run_workflow()
        self.assertEqual(p.returncode, 0, out)
        ens, show = self.result("ensemble")
        self.assertEqual(ens, "a,b,c|")
        self.assertNotIn("partial", show)
        self.assertNotIn(partial_key, show)
        self.assertEqual(self.result("final")[0], "a,b,c|")
        self.assertNotIn("skipped", out)

    def test_missing_jobs_are_named_one_per_line(self):
        # Newline-separated, so that a job name holding a space stays one name.
        self.use(partial=True, bad="a b")
        p, out = self.run_workflow()
        self.assertIn("2 FAILED", out)
        ens, show = self.result("ensemble")
        self.assertEqual(ens, "c|train/model=a\ntrain/model=b")

    def test_without_partial_the_summary_names_the_skipped_jobs_and_why(self):
        self.use(partial=False, bad="b")
        p, out = self.run_workflow()
        self.assertNotEqual(p.returncode, 0, out)
        self.assertIn("ensemble skipped: train/model=b failed", out)
        self.assertIn("final skipped: train/model=b failed", out)
        self.assertEqual(self.job_state("ensemble"), "skipped")

    def test_partial_gather_with_nothing_left_is_skipped(self):
        self.use(partial=True, bad="a b c")
        p, out = self.run_workflow()
        self.assertIn("3 FAILED", out)
        self.assertIn("ensemble skipped: none of the jobs it gathers succeeded", out)
        self.assertIn("final skipped: ensemble was skipped", out)
        self.assertEqual(self.job_state("ensemble"), "skipped")


if __name__ == "__main__":
    unittest.main()
