"""`drover cancel` with local jobs: it stops the running drover (which cancels its jobs),
or, when drover was killed, signals the job wrappers it left running. (Slurm jobs:
test_slurm.py.)"""
import os
import signal
import time
import unittest

from harness import DroverTest

WORKFLOW = """\
    axes:
      i: [0, 1]
    steps:
      hold:
        over: [i]
        run: echo partial > out.txt && sleep 300 && echo whole > out.txt
        outputs: [out.txt]
    """


class LocalCancelTest(DroverTest):
    def start(self):
        self.write("drover.yaml", WORKFLOW)
        run = self.spawn("run", "-j", "2", "-q")
        self.addCleanup(lambda: run.poll() is None and run.kill())
        deadline = time.time() + 30
        while time.time() < deadline:
            dirs = self.dirs()
            if len(dirs) == 2 and all(os.path.exists(os.path.join(d, "out.txt")) for d in dirs):
                return run
            time.sleep(0.1)
        self.fail("the jobs did not start")

    def dirs(self):
        try:
            rows = self.query("SELECT j.dir FROM jobs j JOIN attempts a ON a.job_id=j.id "
                              "WHERE a.state='running' AND a.handle != ''")
        except Exception:
            return []
        return [os.path.join(self.dir, d) for (d,) in rows]

    def wrappers(self):
        return [int(h) for (h,) in self.query("SELECT handle FROM attempts")]

    def test_cancel_stops_the_running_drover(self):
        run = self.start()
        dirs = self.dirs()
        c = self.drover("cancel", timeout=120)
        self.assertIn("stopping the running drover", c.stdout)
        self.assertEqual(run.wait(timeout=30), 130)
        self.assertEqual(self.query("SELECT state, count(*) FROM jobs GROUP BY state"),
                         [("cancelled", 2)])
        for d in dirs:
            self.assertFalse(os.path.exists(os.path.join(d, "out.txt")), "partial output left")

    def test_cancel_after_drover_was_killed_signals_the_wrappers(self):
        run = self.start()
        run.send_signal(signal.SIGKILL)
        run.wait()
        pids = self.wrappers()
        for pid in pids:
            os.kill(pid, 0)  # still running without drover
        c = self.drover("cancel", timeout=120)
        self.assertIn("cancelled 2 running attempts (0 on Slurm, 2 local)", c.stdout)
        deadline = time.time() + 30
        while time.time() < deadline and any(self.alive(p) for p in pids):
            time.sleep(0.1)
        self.assertFalse(any(self.alive(p) for p in pids), "a job wrapper is still running")
        self.assertEqual(self.query("SELECT state, count(*) FROM attempts GROUP BY state"),
                         [("cancelled", 2)])
        # The killed drover never closed its run: cancel does, and status says so.
        self.assertEqual(self.query("SELECT state FROM runs"), [("cancelled",)])
        self.assertIn("cancelled", self.drover("status").stdout.splitlines()[0])

    def test_a_second_run_in_the_same_store_is_refused_while_one_runs(self):
        run = self.start()
        second = self.drover("run", "-j", "2", check=False)
        self.assertEqual(second.returncode, 1, second.stderr)
        self.assertIn(f"another drover run (pid {run.pid}) is using the store", second.stderr)
        self.assertIn("drover cancel", second.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM runs")[0][0], 1, "the refused run left a row")
        self.assertIsNone(run.poll(), "the first run was disturbed")
        self.drover("cancel", timeout=120)
        self.assertEqual(run.wait(timeout=30), 130)

    def test_job_wrappers_left_by_a_killed_drover_do_not_hold_the_store(self):
        run = self.start()
        run.send_signal(signal.SIGKILL)
        run.wait()
        pids = self.wrappers()
        self.assertTrue(all(self.alive(p) for p in pids))
        # The lock died with drover, though its jobs still run: a new drover may start.
        self.drover("plan")
        self.drover("cancel", timeout=120)

    @staticmethod
    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False


if __name__ == "__main__":
    unittest.main()
