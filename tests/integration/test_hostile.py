"""Hostile jobs: a job may make its outputs or its drover files links, FIFOs or huge
files. drover must never touch a file outside the job's folder, never block, never
abort: that job fails with a reason that names the problem, the others succeed, and a
second `drover run` finishes too. Every drover run here has a 60 s bound."""
import os
import unittest

from harness import DroverTest

BOUND = 60  # seconds; a hang is a failure, never a stuck test


class HostileJobsTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.precious = self.write("precious/f", "not the job's\n")

    def run_hostile(self, step, reason):
        """Runs `evil` (the YAML of one step) beside a job that behaves, twice; asserts
        that evil failed naming `reason` and nothing else went wrong."""
        self.write("drover.yaml", "steps:\n  good: {run: echo ok > out, outputs: [out]}\n"
                   "  evil:\n" + "".join("    " + line + "\n" for line in step))
        for _ in range(2):
            p = self.drover("run", check=False, timeout=BOUND)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)  # a job failed; not a signal
            self.assertIn(reason, p.stdout)
            self.assertEqual(self.job_state("good"), "succeeded")
            self.assertEqual(self.job_state("evil"), "failed")
            self.assertIn(reason, self.attempts("evil")[-1][4])
            with open(self.precious) as f:
                self.assertEqual(f.read(), "not the job's\n")
        return p

    def test_outputs_folder_linked_elsewhere_is_refused_and_not_cleaned(self):
        # Attempt 1 fails; before attempt 2 drover used to unlink data/f through the
        # link, deleting precious/f.
        self.run_hostile([
            'run: ln -sfn "$DROVER_WORKDIR/precious" data; [ "$DROVER_ATTEMPT" -gt 1 ] || exit 3',
            "outputs: [data/f]",
            "retries: {count: 1, backoff: 0s}",
        ], "'data' leads outside")

    def test_output_that_is_a_fifo_fails_without_blocking(self):
        self.run_hostile(["run: mkfifo out", "outputs: [out]"], "declared output 'out' is a FIFO")

    def test_metrics_file_that_is_a_fifo_fails_without_blocking(self):
        self.run_hostile(['run: rm -f "$DROVER_METRICS"; mkfifo "$DROVER_METRICS"'],
                         "metrics.jsonl is a FIFO, not a regular file")

    def test_metrics_file_linked_to_dev_zero_fails_without_reading_it(self):
        # Read whole, this ate all memory and aborted drover, at every restart.
        self.run_hostile(['run: ln -sf /dev/zero "$DROVER_METRICS"'],
                         "metrics.jsonl is a symbolic link, not a regular file")

    def test_oversize_metrics_file_fails_the_job(self):
        # A sparse file: past the limit without using the disk.
        self.run_hostile(['run: truncate -s 300M "$DROVER_METRICS"'],
                         "metrics.jsonl is larger than 256 MiB")

    def test_outputs_that_are_links_are_recorded_as_links_not_read(self):
        self.write("drover.yaml", """\
            steps:
              links:
                run: ln -s /dev/zero zero; ln -s "$DROVER_WORKDIR/precious/f" f
                outputs: [zero, f]
              next:
                run: test -L {links.zero} && echo ok > out
                outputs: [out]
            """)
        self.drover("run", timeout=BOUND)  # hashing /dev/zero used to run forever
        hashes = {os.path.basename(p): h for p, h in self.query("SELECT path, hash FROM artifacts")}
        self.assertEqual(hashes["zero"], "symlink:/dev/zero")
        self.assertEqual(hashes["f"], "symlink:" + self.precious)
        self.assertEqual(self.job_state("next"), "succeeded")
        p = self.drover("run", timeout=BOUND)  # intact: reused, nothing runs again
        self.assertEqual(self.query("SELECT count(*) FROM attempts")[0][0], 2, p.stdout)
        with open(self.precious) as f:
            self.assertEqual(f.read(), "not the job's\n")

    def test_workflow_and_space_files_that_are_fifos_are_errors(self):
        os.mkfifo(os.path.join(self.dir, "fifo.yaml"))
        p = self.drover("run", "fifo.yaml", check=False, timeout=BOUND)
        self.assertNotIn(p.returncode, (0, 1))
        self.assertGreater(p.returncode, 0)  # an error, not a signal
        self.assertIn("fifo.yaml is a FIFO, not a regular file", p.stderr)
        p = self.drover("study", "create", "s", "--space", "fifo.yaml", check=False,
                        timeout=BOUND)
        self.assertGreater(p.returncode, 0)
        self.assertIn("fifo.yaml is a FIFO, not a regular file", p.stderr)


class MetricsPerAttemptTest(DroverTest):
    def test_a_retry_does_not_carry_the_failed_attempts_metrics(self):
        self.write("drover.yaml", """\
            steps:
              flaky:
                run: |
                  if [ "$DROVER_ATTEMPT" = 1 ]; then
                    echo '{{"name": "loss", "value": 9, "step": 1}}' >> "$DROVER_METRICS"; exit 3
                  fi
                  echo '{{"name": "accuracy", "value": 0.9, "step": 1}}' >> "$DROVER_METRICS"
                retries: {count: 1, backoff: 0s}
            """)
        self.drover("run", timeout=BOUND)
        self.assertEqual([a[1] for a in self.attempts("flaky")], ["failed", "succeeded"])
        self.assertEqual(self.query("SELECT name, value FROM metrics"), [("accuracy", 0.9)])
        (d,) = self.query("SELECT dir FROM jobs")[0]
        with open(os.path.join(self.dir, d, "attempts", "1.metrics.jsonl")) as f:
            self.assertIn('"loss"', f.read())

    def test_a_step_beyond_64_bits_is_refused_with_its_line(self):
        self.write("drover.yaml", """\
            steps:
              m:
                run: |
                  echo '{{"name": "acc", "value": 0.5, "step": 1e300}}' >> "$DROVER_METRICS"
                  echo '{{"name": "acc", "value": 0.6, "step": 2}}' >> "$DROVER_METRICS"
            """)
        p = self.drover("run", timeout=BOUND)
        self.assertIn("metrics.jsonl:1", p.stdout)
        self.assertIn("whole number", p.stdout)
        self.assertEqual(self.query("SELECT step, value FROM metrics"), [(2, 0.6)])


if __name__ == "__main__":
    unittest.main()
