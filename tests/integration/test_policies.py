"""Policies on real processes (README, "Policies"): limit: on a step, categories shared
by steps (limits:), a kill -9 during a limited step then a resume, final steps after a
failure, and deadlines ordering ready jobs.

Each job appends "start NAME" and "end NAME" to records.log under flock; the tests count
overlaps from the order of those records, never from times."""
import collections
import os
import signal
import time
import unittest

from harness import DroverTest

RECORDER = """\
    import fcntl, os, sys, time
    log = os.path.join(os.environ["DROVER_WORKDIR"], "records.log")
    def record(what):
        with open(log, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(what + " " + os.environ["DROVER_JOB_NAME"] + "\\n")
            f.flush()
            fcntl.flock(f, fcntl.LOCK_UN)
    record("start")
    time.sleep(float(sys.argv[1]))
    record("end")
    sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    """


def rec(seconds, code=0):
    """A run: line that records its job's start and end, sleeping `seconds` between."""
    return f'/usr/bin/python3 "$DROVER_WORKDIR/rec.py" {seconds} {code}'


class PolicyTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.write("rec.py", RECORDER)

    def records(self):
        return [tuple(l.split(" ", 1)) for l in self.lines("records.log")]

    def peak(self, steps):
        """The most jobs of `steps` that had started and not yet ended at once."""
        running = peak = 0
        for what, name in self.records():
            if name.split("/")[0] not in steps:
                continue
            running += 1 if what == "start" else -1
            peak = max(peak, running)
        return peak

    def starts(self):
        return [name for what, name in self.records() if what == "start"]


class LimitTest(PolicyTest):
    def test_a_step_with_limit_2_never_runs_more_than_2(self):
        self.write("drover.yaml", f"""\
            axes: {{i: [1, 2, 3, 4, 5, 6]}}
            steps:
              limited: {{over: [i], run: '{rec(0.4)}', limit: 2}}
              free: {{over: [i], run: '{rec(0.4)}'}}
            """)
        self.drover("run", "-j", "8", "--cpus", "8")
        self.assertEqual(len(self.starts()), 12)
        self.assertLessEqual(self.peak({"limited"}), 2)
        self.assertEqual(self.query("SELECT state, count(*) FROM jobs GROUP BY state"),
                         [("succeeded", 12)])

    def test_a_category_is_shared_by_two_steps(self):
        self.write("drover.yaml", f"""\
            axes: {{i: [1, 2, 3, 4]}}
            limits: {{heavy: 2}}
            steps:
              a: {{over: [i], run: '{rec(0.3)}', category: heavy}}
              b: {{over: [i], run: '{rec(0.3)}', category: heavy}}
              c: {{over: [i], run: '{rec(0.3)}'}}
            """)
        self.drover("run", "-j", "8", "--cpus", "8")
        self.assertEqual(len(self.starts()), 12)
        self.assertLessEqual(self.peak({"a", "b"}), 2)

    def test_kill_9_during_a_limited_step_then_resume(self):
        self.write("drover.yaml", f"""\
            axes: {{i: [1, 2, 3, 4, 5, 6]}}
            steps:
              limited: {{over: [i], run: '{rec(1.5)}', limit: 2}}
            """)
        p = self.spawn("run", "-j", "6", "--cpus", "6")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        deadline = time.time() + 60
        while len(self.starts()) < 2 and time.time() < deadline and p.poll() is None:
            time.sleep(0.05)
        self.assertEqual(len(self.starts()), 2, "the first two jobs did not start")
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        out = self.drover("run", "-j", "6", "--cpus", "6").stdout
        self.assertIn("adopted", out)
        starts = collections.Counter(self.starts())
        self.assertEqual(len(starts), 6)
        self.assertEqual(set(starts.values()), {1}, f"a job ran twice: {starts}")
        self.assertLessEqual(self.peak({"limited"}), 2)


class FinalTest(PolicyTest):
    def test_a_final_step_runs_after_everything_even_after_a_failure(self):
        self.write("drover.yaml", f"""\
            axes: {{i: [1, 2, 3]}}
            steps:
              report:
                final: true
                priority: 100
                run: '{rec(0)}'
              train:
                over: [i]
                run: 'test {{i}} = 2 && exit 3; {rec(0.2)}'
              score:
                over: [i]
                after: [train]
                run: '{rec(0.1)}'
            """)
        p = self.drover("run", "-j", "4", check=False)
        self.assertNotEqual(p.returncode, 0)
        records = self.records()
        self.assertEqual(records[-2:], [("start", "report"), ("end", "report")])
        self.assertEqual(len([r for r in records if r[0] == "start"]), 5)  # 2 train, 2 score
        self.assertEqual(self.job_state("report"), "succeeded")
        self.assertEqual(self.job_state("train/i=2"), "failed")
        self.assertEqual(self.job_state("score/i=2"), "skipped")

    def test_a_final_step_does_not_run_when_the_run_is_interrupted(self):
        self.write("drover.yaml", f"""\
            steps:
              report: {{run: '{rec(0)}', final: true}}
              work: {{run: '{rec(30)}'}}
            """)
        p = self.spawn("run")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        deadline = time.time() + 60
        while not self.starts() and time.time() < deadline and p.poll() is None:
            time.sleep(0.05)
        self.assertEqual(self.starts(), ["work"])
        p.send_signal(signal.SIGINT)  # Ctrl-C
        self.assertNotEqual(p.wait(timeout=60), 0)
        self.assertEqual(self.starts(), ["work"], "the final step ran after Ctrl-C")
        self.assertNotEqual(self.job_state("report"), "succeeded")

    def test_a_final_step_may_gather_partially_what_succeeded(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2, 3]}
            steps:
              summary:
                final: true
                partial: true
                run: cat {train.out.txt...} > "$DROVER_WORKDIR/summary.txt"
              train:
                over: [i]
                run: test {i} = 2 && exit 3; echo {i} > out.txt
                outputs: [out.txt]
            """)
        self.drover("run", check=False)
        self.assertEqual(self.lines("summary.txt"), ["1", "3"])
        self.assertEqual(self.job_state("summary"), "succeeded")

    def test_a_final_step_that_uses_an_output_plainly_is_refused(self):
        self.write("drover.yaml", """\
            steps:
              train: {run: 'echo 1 > m.txt', outputs: [m.txt]}
              report: {run: 'cat {train.m.txt}', final: true}
            """)
        p = self.drover("run", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("drover.yaml:3:", p.stderr)
        self.assertIn("only as a partial gather", p.stderr)


class DeadlineTest(PolicyTest):
    def test_ready_jobs_run_earliest_deadline_first_at_j1(self):
        self.write("drover.yaml", f"""\
            deadline: 10h
            steps:
              whenever: {{run: '{rec(0)}'}}
              later: {{run: '{rec(0)}', deadline: 3h}}
              sooner: {{run: '{rec(0)}', deadline: 1h}}
              past: {{run: '{rec(0)}', deadline: "2001-01-01T09:00"}}
            """)
        self.drover("run", "-j", "1")
        self.assertEqual(self.starts(), ["past", "sooner", "later", "whenever"])

    def test_the_end_of_the_run_names_the_jobs_that_missed_their_deadline(self):
        self.write("drover.yaml", f"""\
            steps:
              slow: {{run: '{rec(1.5)}', deadline: 1s}}
              fine: {{run: '{rec(0)}', deadline: 1h}}
            """)
        out = self.drover("run", "-j", "2").stdout
        self.assertIn("1 job missed its deadline: slow", out)
        self.assertNotIn("fine", out.split("missed")[-1])

    def test_a_deadline_does_not_change_keys(self):
        self.write("drover.yaml", f"""\
            steps:
              s: {{run: '{rec(0)}'}}
            """)
        self.drover("run")
        self.write("drover.yaml", f"""\
            steps:
              s: {{run: '{rec(0)}', deadline: 2h, limit: 1}}
            """)
        out = self.drover("run").stdout
        self.assertEqual(len(self.starts()), 1, out)


if __name__ == "__main__":
    unittest.main()
