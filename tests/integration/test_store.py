"""The store's own safety: a store that lost its WAL after a crash is never run over
(the job folders keep the results, and `drover recover` puts them back), and a store
on a read-only file system can still be read by status, jobs, show, logs and table."""
import collections
import os
import shutil
import signal
import subprocess
import time
import unittest

from harness import DROVER, DroverTest

N = 10          # work jobs; those with i >= FAST finish only once the test says so
FAST = 6

# Each work job notes that it ran in ran.log, writes an output and logs a metric; the
# slow ones wait (at most a minute) for a file named go.
WORKFLOW = """\
name: lost
axes:
  i: [%s]
steps:
  work:
    over: [i]
    run: >-
      if [ {i} -ge %d ]; then n=0; while [ ! -e "$DROVER_WORKDIR/go" ] && [ $n -lt 600 ];
      do sleep 0.1; n=$((n+1)); done; fi;
      echo {i} >> "$DROVER_WORKDIR/ran.log" && echo out{i} > out.txt &&
      echo '{{"name":"v","value":'{i}'}}' >> "$DROVER_METRICS"
    outputs: [out.txt]
  total:
    over: []
    run: cat {work.out.txt...} > all.txt
    outputs: [all.txt]
""" % (", ".join(str(i) for i in range(N)), FAST)


class StoreTest(DroverTest):
    def status_files(self):
        found = []
        for base, _, files in os.walk(os.path.join(self.dir, ".drover", "jobs")):
            if "status.json" in files and os.sep + "attempts" not in base:
                found.append(os.path.join(base, "status.json"))
        return found

    def wait_for(self, what, predicate, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail(f"timed out waiting for {what}")

    def crash_mid_run(self):
        """Runs the workflow, kills drover with SIGKILL once the fast jobs finished (the
        slow ones still running), then lets the slow ones finish while drover is down."""
        self.write("drover.yaml", WORKFLOW)
        p = self.spawn("run", "-j", str(N), "--cpus", str(N), "-q")
        try:
            self.wait_for("the fast jobs", lambda: len(self.lines("ran.log")) >= FAST)
            time.sleep(0.3)  # drover records their completions (in the WAL)
        finally:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
        self.write("go", "")
        self.wait_for("the slow jobs", lambda: len(self.status_files()) == N)

    def lose_wal(self, how):
        db = os.path.join(self.dir, ".drover", "drover.db")
        self.assertGreater(os.path.getsize(db + "-wal"), 0, "the killed run left no WAL")
        if how == "deleted":
            os.unlink(db + "-wal")
            if os.path.exists(db + "-shm"):
                os.unlink(db + "-shm")
        else:  # damaged: its header overwritten
            with open(db + "-wal", "r+b") as f:
                f.write(b"\xff" * 32)
        self.assertEqual(self.query("SELECT count(*) FROM jobs"), [(0,)],
                         "the store should have lost every job with its WAL")

    def test_a_lost_wal_is_refused_then_recovered(self):
        for how in ("deleted", "damaged"):
            with self.subTest(how=how):
                if how == "damaged":
                    self.setUp()  # a fresh folder
                self.crash_mid_run()
                self.lose_wal(how)
                before = sorted(self.status_files())

                refused = self.drover("run", "-q", check=False)
                self.assertEqual(refused.returncode, 2, refused.stdout + refused.stderr)
                self.assertIn("drover recover", refused.stderr)
                self.assertIn(f"no record of {N} finished jobs", refused.stderr)
                self.assertEqual(sorted(self.status_files()), before,
                                 "a refused run must keep every status.json")
                self.assertEqual(len(self.lines("ran.log")), N, "a refused run ran jobs")
                plan = self.drover("plan", check=False)  # plan would mask it: refused too
                self.assertEqual(plan.returncode, 2, plan.stdout + plan.stderr)

                rec = self.drover("recover")
                self.assertIn(f"recovered {N} jobs", rec.stdout)
                self.assertIn(f"{N} succeeded", rec.stdout)
                again = self.drover("recover")  # nothing left to do, nothing duplicated
                self.assertIn("nothing to recover", again.stdout)

                final = self.drover("run", "-q")
                self.assertIn(f"1 ran, {N} reused", final.stdout)
                counts = collections.Counter(self.lines("ran.log"))
                self.assertEqual(sorted(counts), sorted(str(i) for i in range(N)))
                self.assertEqual([k for k, n in counts.items() if n > 1], [],
                                 "a job that had finished ran again")
                table = self.drover("table", "--rows", "i", "--value", "v")
                for i in range(N):
                    self.assertRegex(table.stdout, rf"(?m)^{i}\s+{i}\.0+$")
                show = self.drover("show", "work/i=3")
                self.assertIn("recovered from its folder", show.stdout)
                self.assertIn("output", show.stdout)

    def test_a_job_whose_output_is_gone_is_recovered_as_failed_and_runs_again(self):
        self.crash_mid_run()
        self.lose_wal("deleted")
        d = self.query_dir_of_key_with_output("out3")
        os.unlink(os.path.join(d, "out.txt"))
        rec = self.drover("recover")
        self.assertIn(f"{N - 1} succeeded", rec.stdout)
        self.assertIn("1 did not", rec.stdout)
        final = self.drover("run", "-q")
        self.assertIn(f"2 ran, {N - 1} reused", final.stdout)
        self.assertEqual(collections.Counter(self.lines("ran.log"))["3"], 2)
        # The attempt that ran before the crash is kept, and the new one is attempt 2.
        self.assertTrue(os.path.exists(os.path.join(d, "attempts", "1.status.json")))
        self.assertEqual([a[0] for a in self.attempts("work/i=3")], [1, 2])

    def query_dir_of_key_with_output(self, text):
        for base, _, files in os.walk(os.path.join(self.dir, ".drover", "jobs")):
            if "out.txt" in files:
                with open(os.path.join(base, "out.txt")) as f:
                    if f.read().strip() == text:
                        return base
        self.fail(f"no job folder holds {text}")

    def test_a_healthy_store_keeps_a_small_wal_and_runs_as_before(self):
        self.write("drover.yaml", WORKFLOW.replace("-ge %d" % FAST, "-ge 999"))
        first = self.drover("run", "-q")
        self.assertIn(f"{N + 1} ran", first.stdout)
        wal = os.path.join(self.dir, ".drover", "drover.db-wal")
        self.assertEqual(os.path.getsize(wal) if os.path.exists(wal) else 0, 0,
                         "drover.db alone should hold a finished run")
        second = self.drover("run", "-q")
        self.assertIn(f"0 ran, {N + 1} reused", second.stdout)

    def read_only(self, *args):
        """Runs drover with .drover bind-mounted read-only (in a mount namespace of its
        own, so nothing is left mounted)."""
        script = ('mount --bind .drover .drover && mount -o remount,bind,ro .drover && '
                  '! touch .drover/probe 2>/dev/null && exec "$@"')
        return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", DROVER, *args],
                              cwd=self.dir, capture_output=True, text=True, timeout=120)

    def test_read_only_store_is_readable(self):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare for a read-only bind mount")
        self.write("drover.yaml", WORKFLOW.replace("-ge %d" % FAST, "-ge 999"))
        self.drover("run", "-q")
        for state in ("clean", "with a WAL"):
            with self.subTest(state=state):
                if state == "with a WAL":  # a reader leaves -wal and -shm files behind
                    self.drover("status")
                    self.assertTrue(os.path.exists(os.path.join(self.dir, ".drover",
                                                                "drover.db-shm")))
                checks = {
                    ("status",): "succeeded",
                    ("jobs",): "work/i=4",
                    ("show", "work/i=4"): "out.txt",
                    ("logs", "work/i=4"): "==> ",
                    ("table", "--rows", "i", "--value", "v"): "4.0000",
                }
                for args, expected in checks.items():
                    p = self.read_only(*args)
                    self.assertEqual(p.returncode, 0, f"{args}: {p.stdout}{p.stderr}")
                    self.assertIn(expected, p.stdout, args)
        # What cannot work there says which store.
        p = self.read_only("run", "-q")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(os.path.join(self.dir, ".drover"), p.stderr)


if __name__ == "__main__":
    unittest.main()
