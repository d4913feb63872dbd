"""Rough edges a new user meets: -j and the CPU and memory limits, a job that saves its
work after the walltime's SIGTERM, retries that cannot help (unless_exit), the same
failure in many jobs, runs refused before they start, adoption that fails half-way,
and what `drover cancel` reports."""
import os
import signal
import time
import unittest

from harness import DroverTest


class ParallelismTest(DroverTest):
    def marks_workflow(self, n, extra=""):
        """n one-CPU jobs that each succeed only once all n have started (bounded wait):
        they succeed only if n run at the same time."""
        marks = os.path.join(self.dir, "marks")
        os.makedirs(marks)
        self.write("together.sh", f"""\
            touch "{marks}/$1"
            i=0
            while [ "$(ls "{marks}" | wc -l)" -lt {n} ]; do
              i=$((i + 1)); [ $i -gt 600 ] && {{ echo "only $(ls "{marks}" | wc -l) ran at once" >&2; exit 1; }}
              sleep 0.05
            done
            """)
        items = ", ".join(str(i) for i in range(n))
        self.write("drover.yaml", f"""\
            axes: {{i: [{items}]}}
            steps:
              together:
                over: [i]
                run: sh together.sh {{i}}
                {extra}
            """)

    def test_j_without_cpus_runs_that_many_one_cpu_jobs(self):
        # As make -j: -j 3 runs 3 one-CPU jobs at once, whatever the number of cores.
        n = max(3, os.cpu_count() + 1)
        self.marks_workflow(n)
        p = self.drover("run", "-j", str(n), timeout=120)
        self.assertIn(f"{n} ran", p.stdout)
        self.assertNotIn("holds ready jobs back", p.stderr)

    def test_cpu_limit_below_j_is_said_once(self):
        self.write("drover.yaml", """\
            axes: {i: [0, 1, 2, 3, 4, 5]}
            steps:
              s: {over: [i], run: "true"}
            """)
        p = self.drover("run", "-j", "4", "--cpus", "2")
        self.assertEqual(p.stderr.count("holds ready jobs back"), 1, p.stderr)
        self.assertIn("the CPU limit (2 CPUs: --cpus)", p.stderr)
        self.assertIn("-j allows 4", p.stderr)
        self.assertIn("6 ran", p.stdout)

    def test_memory_limit_below_j_is_said_once(self):
        self.write("drover.yaml", """\
            axes: {i: [0, 1, 2, 3]}
            steps:
              s: {over: [i], run: "true", resources: {memory: 600M}}
            """)
        p = self.drover("run", "-j", "4", "--memory", "1G")
        self.assertEqual(p.stderr.count("holds ready jobs back"), 1, p.stderr)
        self.assertIn("the memory limit (1.0 GiB: --memory)", p.stderr)


class WalltimeGraceTest(DroverTest):
    def test_exit_0_after_the_walltime_sigterm_is_a_success(self):
        # The job saves its work when the walltime's SIGTERM comes and exits 0 within
        # its grace: succeeded, no retry, and `drover show` says what happened.
        self.write("save.sh", """\
            trap 'echo saved > result.txt; exit 0' TERM
            sleep 60 &
            wait
            """)
        self.write("drover.yaml", """\
            steps:
              train:
                run: sh save.sh
                outputs: [result.txt]
                resources: {walltime: 1s}
                grace: 10s
                retries: 2
            """)
        p = self.drover("run", timeout=120)
        self.assertIn("1 ran", p.stdout)
        self.assertEqual([(a[1], a[2]) for a in self.attempts("train")], [("succeeded", 0)])
        show = self.drover("show", "train").stdout
        self.assertIn("exited 0 after the walltime's SIGTERM", show)
        self.assertIn("output   ", show)
        self.assertIn("1 reused", self.drover("run").stdout)

    def test_exit_0_after_the_walltime_without_its_outputs_fails(self):
        self.write("drover.yaml", """\
            steps:
              train:
                run: "trap 'exit 0' TERM; sleep 60 & wait"
                outputs: [result.txt]
                resources: {walltime: 1s}
                grace: 10s
            """)
        p = self.drover("run", check=False, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(self.job_state("train"), "failed")


class UnlessExitTest(DroverTest):
    def test_listed_exit_code_is_not_retried(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2]}
            steps:
              s:
                over: [i]
                run: "echo try >> $DROVER_WORKDIR/tries.{i}; [ {i} = 1 ] && exit 2; exit 3"
                retries: {count: 3, unless_exit: [2]}
            """)
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(self.lines("tries.1")), 1, "exit 2 is listed: no retry")
        self.assertEqual(len(self.lines("tries.2")), 4, "exit 3 is not listed: 3 retries")
        reason = self.attempts("s/i=1")[0][4]
        self.assertIn("exit code 2", reason)
        self.assertIn("unless_exit", reason)

    def test_bad_unless_exit_values_are_located(self):
        for value, words in [("[0]", "exit code 0"), ("[85]", "exit code 85"),
                             ("[256]", "exit code 256"), ("[2, 2]", "twice"),
                             ("2", "must be a list"), ("[x]", "whole number")]:
            with self.subTest(value=value):
                self.write("drover.yaml", f"""\
                    steps:
                      s:
                        run: "true"
                        retries: {{count: 1, unless_exit: {value}}}
                    """)
                p = self.drover("run", check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("drover.yaml:4:", p.stderr)
                self.assertIn("unless_exit", p.stderr)
                self.assertIn(words, p.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))


class SameFailureTest(DroverTest):
    def test_the_same_traceback_is_printed_once_with_the_jobs(self):
        items = ", ".join(str(i) for i in range(12))
        self.write("drover.yaml", f"""\
            axes: {{i: [{items}]}}
            steps:
              s:
                over: [i]
                run: "echo 'Traceback (most recent call last):' >&2; echo 'KeyError: lr' >&2; exit 1"
            """)
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.count("KeyError: lr"), 2, p.stdout)  # first failure, summary
        self.assertIn("12 jobs failed with:", p.stdout)
        summary = p.stdout[p.stdout.index("12 jobs failed with:"):]
        self.assertIn("and 2 more (drover jobs --state failed)", summary)
        self.assertEqual(p.stdout.count("FAILED "), 12)

    def test_different_failures_are_each_printed(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2]}
            steps:
              s: {over: [i], run: "echo boom-{i} >&2; exit 1"}
            """)
        p = self.drover("run", check=False)
        self.assertIn("boom-1", p.stdout)
        self.assertIn("boom-2", p.stdout)
        self.assertNotIn("jobs failed with", p.stdout)


class RefusedRunTest(DroverTest):
    def test_a_refused_run_leaves_no_run_behind(self):
        self.write("drover.yaml", """\
            steps:
              a: {run: "echo ok > out", outputs: [out]}
            """)
        self.drover("run")
        self.write("drover.yaml", """\
            steps:
              a: {run: "echo ok > out", outputs: [out]}
              b: {run: "true", after: [a], resources: {gpus: 2}}
            """)
        for args in (["--gpus", "1"], ["--cpus", "0.5"], ["--memory", "1M"]):
            with self.subTest(args=args):
                if args[0] == "--memory":
                    self.write("drover.yaml", """\
                        steps:
                          a: {run: "echo ok > out", outputs: [out]}
                          b: {run: "true", after: [a], resources: {memory: 2G}}
                        """)
                p = self.drover("run", *args, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertRegex(p.stderr, "step '[ab]' asks for")
                self.assertEqual(self.query("SELECT count(*), min(state) FROM runs"),
                                 [(1, "succeeded")])
                self.assertIn("succeeded  ", self.drover("jobs").stdout)
                self.assertIn("run 1: succeeded", self.drover("status").stdout)


class AdoptionFailureTest(DroverTest):
    def test_adoption_failing_half_way_leaves_the_run_crashed_and_nothing_half_written(self):
        # Two jobs left running by a killed drover; one ends while no drover runs.
        # The next drover fails after adopting (and recording) the first: its
        # transaction is rolled back, the run is recorded as crashed, and a later run
        # adopts both, each job's command having run once.
        self.write("drover.yaml", f"""\
            axes: {{i: [0, 1]}}
            steps:
              s:
                over: [i]
                run: "echo run >> $DROVER_WORKDIR/ran.{{i}}; while [ ! -e $DROVER_WORKDIR/go.{{i}} ]; do sleep 0.05; done; echo {{i}} > out"
                outputs: [out]
            """)
        run = self.spawn("run", "-j", "2")
        self.addCleanup(lambda: run.poll() is None and run.kill())
        deadline = time.time() + 60
        while time.time() < deadline and not (self.lines("ran.0") and self.lines("ran.1")):
            time.sleep(0.05)
        self.assertTrue(self.lines("ran.0") and self.lines("ran.1"), "the jobs did not start")
        run.send_signal(signal.SIGKILL)
        run.wait()
        self.write("go.0", "")
        deadline = time.time() + 60
        while time.time() < deadline and not self.status_written(0):
            time.sleep(0.05)
        self.assertTrue(self.status_written(0))
        before = self.query("SELECT id, state, reason FROM attempts ORDER BY id")
        p = self.drover("run", "-j", "2", check=False,
                        env={"DROVER_TEST_FAIL_ADOPTION": "1"})
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("DROVER_TEST_FAIL_ADOPTION", p.stderr)
        self.assertEqual(self.query("SELECT state FROM runs ORDER BY id"),
                         [("running",), ("crashed",)])  # the killed run never finished
        self.assertEqual(self.query("SELECT id, state, reason FROM attempts ORDER BY id"), before)
        self.assertEqual(self.query("SELECT count(*) FROM artifacts"), [(0,)])
        # Only the plan's sync, committed before adoption began, marked the jobs pending.
        self.assertEqual(self.query("SELECT state, count(*) FROM jobs GROUP BY state"),
                         [("pending", 2)])
        self.write("go.1", "")
        p = self.drover("run", "-j", "2", timeout=120)
        self.assertIn("2 adopted", p.stdout)
        self.assertEqual(self.query("SELECT state, count(*) FROM attempts GROUP BY state"),
                         [("succeeded", 2)])
        self.assertEqual((self.lines("ran.0"), self.lines("ran.1")), (["run"], ["run"]))

    def status_written(self, i):
        rows = self.query("SELECT dir FROM jobs WHERE name=?", f"s/i={i}")
        return bool(rows) and os.path.exists(os.path.join(self.dir, rows[0][0], "status.json"))


class CancelCountTest(DroverTest):
    def test_cancel_counts_what_the_stopped_drover_cancelled(self):
        self.write("drover.yaml", """\
            axes: {i: [0, 1]}
            steps:
              hold: {over: [i], run: "echo started >> $DROVER_WORKDIR/started; sleep 300"}
            """)
        run = self.spawn("run", "-j", "2", "-q")
        self.addCleanup(lambda: run.poll() is None and run.kill())
        deadline = time.time() + 60
        while time.time() < deadline and len(self.lines("started")) < 2:
            time.sleep(0.05)
        self.assertEqual(len(self.lines("started")), 2, "the jobs did not start")
        c = self.drover("cancel", timeout=120)
        self.assertIn("stopping the running drover", c.stdout)
        self.assertIn("cancelled 2 running attempts (0 on Slurm, 2 local)", c.stdout)
        self.assertEqual(run.wait(timeout=30), 130)


if __name__ == "__main__":
    unittest.main()
