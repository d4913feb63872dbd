"""Partial gathers: with partial: true a gathering step runs on the upstream jobs that
succeeded (naming the others in $DROVER_MISSING and in drover show); without it, the run's
end names each skipped job and the failure that skipped it."""
import collections
import os
import signal
import threading
import time
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


# For the crash tests: the partial ensemble and the job after it note each run in
# runs.log; the step named in wait.txt waits (at most a minute) for a file named go.
CRASH_WORKFLOW = """\
name: part
axes:
  model: [a, b, c]
steps:
  train:
    over: [model]
    run: python3 train.py {model}
    outputs: [model.txt]
  ensemble:
    run: python3 slow.py ensemble ens.txt {train.model.txt...}
    outputs: [ens.txt]
    partial: true
  final:
    run: python3 slow.py final final.txt {ensemble.ens.txt}
    outputs: [final.txt]
"""

SLOW = """\
import os, sys, time
name, out, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
work = os.environ["DROVER_WORKDIR"]
with open(os.path.join(work, "runs.log"), "a") as f:
    f.write(name + "\\n")
with open(os.path.join(work, "wait.txt")) as f:
    if f.read().strip() == name:
        for _ in range(600):
            if os.path.exists(os.path.join(work, "go")):
                break
            time.sleep(0.1)
with open(os.environ["DROVER_METRICS"], "a") as f:
    f.write('{"name": "acc", "value": 0.7}\\n')
text = ",".join(open(p).read() for p in inputs)
if "DROVER_MISSING" in os.environ:
    text += "|" + os.environ["DROVER_MISSING"]
with open(out, "w") as f:
    f.write(text)
"""


class PartialCrashTest(DroverTest):
    """drover killed with SIGKILL while a partial gather, or the job after it, runs."""
    run_workflow = PartialTest.run_workflow
    result = PartialTest.result

    def setUp(self):
        super().setUp()
        self.write("train.py", TRAIN)
        self.write("slow.py", SLOW)
        self.write("drover.yaml", CRASH_WORKFLOW)
        self.write("bad.txt", "b\n")

    def wait_for(self, what, predicate, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail(f"timed out waiting for {what}")

    def crash_while(self, step):
        """Runs the workflow and kills drover with SIGKILL while `step` runs."""
        self.write("wait.txt", step + "\n")
        p = self.spawn("run", "drover.yaml")
        try:
            self.wait_for(step + " to start", lambda: step in self.lines("runs.log"))
        finally:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()

    def runs(self):
        return collections.Counter(self.lines("runs.log"))

    def check_results(self):
        """The partial ensemble and the job after it ran once each, and say so."""
        self.assertEqual(self.runs(), {"ensemble": 1, "final": 1})
        ens, show = self.result("ensemble")
        self.assertEqual(ens, "a,c|train/model=b")
        self.assertIn("partial  ran without train/model=b", show)
        # The table marks the ensemble's cell as partial.
        table = self.drover("table", "--rows", "model", "--value", "acc").stdout
        self.assertRegex(table, r"(?m)^ensemble +0\.7000\*$")
        self.assertIn("* a partial gather", table)
        self.assertEqual(self.result("final")[0], "a,c|train/model=b")
        self.assertEqual(self.job_state("final"), "succeeded")

    def test_the_next_run_adopts_a_partial_gather_or_the_job_after_it(self):
        for step in ("ensemble", "final"):
            with self.subTest(step=step):
                if step == "final":
                    self.setUp()  # a fresh folder
                self.crash_while(step)
                # The next run reruns train/model=b (it fails again, so the gather is the
                # same) and finds the attempt still running; go once b has failed again.
                b_failed_twice = lambda: (self.query_when_ready(
                    "SELECT count(*) FROM attempts a JOIN jobs j ON j.id=a.job_id WHERE "
                    "j.name='train/model=b' AND a.state='failed'") or [(0,)])[0][0] >= 2
                def release():
                    deadline = time.time() + 60
                    while time.time() < deadline and not b_failed_twice():
                        time.sleep(0.05)
                    self.write("go", "")
                t = threading.Thread(target=release)
                t.start()
                p, out = self.run_workflow()
                t.join()
                self.assertIn("1 FAILED", out)  # train/model=b, as before
                self.assertIn("1 adopted", out)
                self.check_results()
                # Nothing is lost either: a further run reuses both.
                p, out = self.run_workflow()
                self.assertEqual(self.runs(), {"ensemble": 1, "final": 1}, out)

    def test_a_gather_whose_inputs_changed_meanwhile_runs_anew_and_says_so(self):
        self.crash_while("ensemble")
        self.write("bad.txt", "\n")  # fixed while drover was down: the full ensemble
        self.write("go", "")
        p, out = self.run_workflow()
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("ensemble: the attempt an earlier drover left running", out)
        self.assertIn("ran on other inputs", out)
        self.assertEqual(self.result("ensemble")[0], "a,b,c|")
        self.assertEqual(self.result("final")[0], "a,b,c|")
        cancelled = self.query("SELECT a.reason FROM attempts a JOIN jobs j ON j.id=a.job_id "
                               "WHERE j.name='ensemble' AND a.state='cancelled'")
        self.assertEqual(len(cancelled), 1, cancelled)
        self.assertIn("its inputs changed while drover was away", cancelled[0][0])

    def test_recover_rebuilds_a_partial_gather_from_its_folder(self):
        self.crash_while("ensemble")
        self.write("go", "")
        folder = lambda: [b for b, _, files in os.walk(os.path.join(self.dir, ".drover", "jobs"))
                          if "derived.json" in files and "status.json" in files]
        self.wait_for("the ensemble to end", lambda: folder())
        db = os.path.join(self.dir, ".drover", "drover.db")
        os.unlink(db + "-wal")  # the store loses what the killed run recorded
        if os.path.exists(db + "-shm"):
            os.unlink(db + "-shm")
        self.assertEqual(self.query("SELECT count(*) FROM jobs"), [(0,)])

        refused = self.drover("run", "-q", check=False)
        self.assertEqual(refused.returncode, 2, refused.stdout + refused.stderr)
        rec = self.drover("recover")
        self.assertIn("recovered 4 jobs", rec.stdout)  # train a, b, c and the ensemble
        self.assertIn("3 succeeded", rec.stdout)

        p, out = self.run_workflow()
        self.assertIn("1 FAILED", out)
        self.check_results()
        self.assertIn("recovered from its folder", self.drover("show", "ensemble").stdout)


if __name__ == "__main__":
    unittest.main()
