"""What jobs leave on disk (a trivial job: one folder, command.sh and status.json) and
`drover gc`, which removes the job folders that no plan of the store reaches."""
import os
import time
import unittest

from harness import DroverTest


def listing(folder):
    """The names in a folder, sorted; folders end with '/'."""
    return sorted(n + ("/" if os.path.isdir(os.path.join(folder, n)) else "")
                  for n in os.listdir(folder))


class FootprintTest(DroverTest):
    def job_dir(self, name):
        rows = self.query("SELECT dir FROM jobs WHERE name=? ORDER BY id DESC LIMIT 1", name)
        return os.path.join(self.dir, rows[0][0])

    def test_a_trivial_job_leaves_one_folder_and_two_files(self):
        self.write("drover.yaml", """\
            name: tiny
            axes: {i: [0, 1]}
            steps:
              quiet: {over: [i], run: "true"}
              loud: {over: [i], run: "echo out {i}; echo saved > $DROVER_CHECKPOINT_DIR/s"}
            """)
        self.drover("run", "-q")
        self.assertEqual(listing(self.job_dir("quiet/i=0")), ["command.sh", "status.json"])
        # What a job used stays: its stdout (not its empty stderr) and its checkpoint.
        self.assertEqual(listing(self.job_dir("loud/i=1")),
                         ["checkpoint/", "command.sh", "status.json", "stdout"])
        # A log that was empty reads as empty.
        logs = self.drover("logs", "quiet/i=0")
        self.assertIn("stdout <==", logs.stdout)
        self.assertEqual(self.drover("logs", "--stdout", "quiet/i=0").stdout, "")
        self.assertEqual(self.drover("logs", "--stdout", "loud/i=1").stdout, "out 1\n")
        # show prints no "ran" line: the wrapper's record in command.sh is not the command.
        self.assertNotIn("ran ", self.drover("show", "quiet/i=0").stdout)


class GcTest(DroverTest):
    WORKFLOW = """\
        name: g
        axes: {i: [0, 1]}
        steps:
          make: {over: [i], run: "echo VERSION {i} > out.txt", outputs: [out.txt]}
        """

    def run_version(self, version):
        self.write("drover.yaml", self.WORKFLOW.replace("VERSION", version))
        return self.drover("run", "-q")

    def folders(self):
        jobs = os.path.join(self.dir, ".drover", "jobs")
        return sorted(os.path.join(p, k) for p in os.listdir(jobs)
                      for k in os.listdir(os.path.join(jobs, p)))

    def test_gc_removes_the_folders_of_keys_no_plan_reaches(self):
        self.run_version("a")
        old = self.folders()
        self.run_version("b")  # new keys for both jobs: the old ones are reached no more
        self.assertEqual(len(self.folders()), 4)
        dry = self.drover("gc", "--dry-run")
        self.assertIn("would remove 2 job folders", dry.stdout)
        self.assertEqual(len(self.folders()), 4)
        r = self.drover("gc")
        self.assertIn("removed 2 job folders", r.stdout)
        self.assertIn("kept 2", r.stdout)
        self.assertEqual(len(set(self.folders()) & set(old)), 0)
        self.assertEqual(len(self.folders()), 2)
        # The current jobs are intact: the next run reuses them and runs nothing.
        again = self.drover("run")
        self.assertIn("0 ran, 2 reused", again.stdout + again.stderr)
        self.assertEqual(self.drover("gc").stdout.split("\n")[0],
                         "drover gc: removed 0 job folders (0 bytes) that no plan of the store "
                         "reaches; kept 2")
        # A job whose folder gc removed runs again when a plan reaches its key again.
        back = self.run_version("a")
        self.assertIn("2 ran", back.stdout + back.stderr)

    def test_gc_keeps_the_latest_success_when_the_newest_key_failed(self):
        self.run_version("a")
        ok = self.folders()
        self.write("drover.yaml", self.WORKFLOW.replace("echo VERSION {i} > out.txt",
                                                        "exit 3"))
        self.drover("run", "-q", check=False)
        self.assertIn("removed 0 job folders", self.drover("gc").stdout)
        self.assertTrue(set(ok) <= set(self.folders()))
        back = self.run_version("a")  # the good results are still there: reused
        self.assertIn("0 ran, 2 reused", back.stdout + back.stderr)

    def test_gc_is_refused_while_a_run_uses_the_store(self):
        self.write("drover.yaml", """\
            name: g
            steps:
              slow: {run: "sleep 30"}
            """)
        p = self.spawn("run", "-q")
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        deadline = time.time() + 30
        while time.time() < deadline and not self.query_when_ready(
                "SELECT 1 FROM attempts WHERE state='running'"):
            time.sleep(0.05)
        r = self.drover("gc", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("another drover run", r.stderr)

    def test_gc_removes_ended_slurm_arrays_files_only(self):
        self.run_version("a")
        slurm = os.path.join(self.dir, ".drover", "slurm")
        os.makedirs(slurm)
        # Array 123 ended (its script and log stay until gc); array 456 is in flight
        # (its submission's manifest, script and id file, and Slurm's log).
        for name, text in [("123.sh", "#!/bin/sh\n"), ("123.log", "done\n"),
                           ("9-1-1.jobs", "1 x\n"), ("9-1-1.sh", "#!/bin/sh\n"),
                           ("9-1-1.id", "456\n"), ("456.log", "running\n")]:
            with open(os.path.join(slurm, name), "w") as f:
                f.write(text)
        r = self.drover("gc")
        self.assertIn("removed 2 Slurm script and log files of ended arrays", r.stdout)
        self.assertEqual(listing(slurm), ["456.log", "9-1-1.id", "9-1-1.jobs", "9-1-1.sh"])

    def test_gc_without_a_store_says_so(self):
        r = self.drover("gc", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no drover store in", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))


if __name__ == "__main__":
    unittest.main()
