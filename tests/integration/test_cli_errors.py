"""Bad input through the real CLI: a clear message with its location, exit code 2,
and nothing written to the store."""
import glob
import os
import shutil
import unittest

from harness import DroverTest

BAD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bad")


class BadWorkflowTest(DroverTest):
    def test_every_bad_workflow_is_refused_without_writing_anything(self):
        files = sorted(glob.glob(os.path.join(BAD_DIR, "*.yaml")))
        self.assertGreaterEqual(len(files), 30)
        for path in files:
            with self.subTest(os.path.basename(path)):
                shutil.copy(path, os.path.join(self.dir, "drover.yaml"))
                p = self.drover("run", "drover.yaml", check=False)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertRegex(p.stderr, r"drover\.yaml(:\d+:\d+)?: error: ")
                self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")),
                                 "a refused workflow must leave no store behind")

    def test_a_dry_run_without_a_store_leaves_none(self):
        self.write("drover.yaml", "axes: {a: [1, 2]}\nsteps:\n  s: {over: [a], run: 'true'}\n")
        p = self.drover("run", "--dry-run")
        self.assertRegex(p.stdout, r"\ns +2 +0\n")
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))

    def test_missing_file(self):
        p = self.drover("run", "nope.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("nope.yaml", p.stderr)

    def test_unknown_set_axis(self):
        self.write("drover.yaml", "axes: {a: [1]}\nsteps:\n  s: {over: [a], run: 'true'}\n")
        p = self.drover("run", "--set", "b=1", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--set", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))

    def test_bad_run_options_are_refused_before_anything_runs(self):
        self.write("drover.yaml", "steps:\n  s: {run: 'echo ran > ran.txt', outputs: [ran.txt],"
                                  " resources: {gpus: 1}}\n")
        cases = [
            (["--gpus", "abc"], "'abc' is not a GPU id"),
            (["--gpus", "-1"], "'-1' is not a GPU id"),
            (["--gpus", "0,0"], "id 0 appears twice"),
            (["--gpus", "0,"], "an empty id"),
            (["-j", "-3"], "-j -3: give a number of jobs"),
            (["--cpus", "-1"], "--cpus -1"),
            (["--memory", "1K"], "less than a megabyte"),
            (["--memory", "12Q"], "--memory"),
            (["--force", "trian"], "the workflow has no step 'trian'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                p = self.drover("run", *args, check=False)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn(message, p.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))
        # The same options, well formed, run the job on the GPU id given.
        self.write("drover.yaml", "steps:\n  s: {run: 'echo $CUDA_VISIBLE_DEVICES > ran.txt',"
                                  " outputs: [ran.txt], resources: {gpus: 1}}\n")
        self.drover("run", "--gpus", "3", "--force", "s", "-j", "1", "--memory", "1G")
        out = self.query("SELECT dir FROM jobs WHERE name='s'")[0][0]
        with open(os.path.join(self.dir, out, "ran.txt")) as f:
            self.assertIn(f.read().strip(), ["0", "1", "2"])

    def test_command_line_errors_exit_2(self):
        for args, message in [([], "A subcommand is required"),
                              (["frobnicate"], "unknown command 'frobnicate' (commands: run,"),
                              (["run", "--bogus"], "--bogus"),
                              (["run", "-j", "abc"], "abc")]:
            with self.subTest(args=args):
                p = self.drover(*args, check=False)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn(message, p.stdout + p.stderr)
        p = self.drover("--version")
        self.assertRegex(p.stdout, r"^drover \d+\.\d+\.\d+")


class QueryErrorsTest(DroverTest):
    def test_a_report_of_a_metric_no_job_logged_is_an_error_not_an_empty_table(self):
        text = ("axes: {a: [1, 2], b: [x]}\nsteps:\n  s:\n    over: [a, b]\n"
                "    run: echo '{{\"name\":\"accuracy\",\"value\":{a}}}' >> \"$DROVER_METRICS\"\n"
                "report:\n  table: {rows: [a], cols: [b], value: VALUE}\n")
        self.write("drover.yaml", text.replace("VALUE", "acuracy"))
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("no succeeded job of this run logged a metric named 'acuracy'", p.stderr)
        self.write("drover.yaml", text.replace("VALUE", "accuracy"))
        p = self.drover("run")
        self.assertIn("0 ran, 2 reused", p.stdout)
        self.assertRegex(p.stdout, r"\| 2 +\| +2\.0000 \|")

    def test_queries_without_a_store(self):
        p = self.drover("status", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("drover run", p.stderr)

    def test_unknown_job_and_metric(self):
        self.write("drover.yaml", "steps:\n  s: {run: 'true'}\n")
        self.drover("run")
        p = self.drover("show", "nope", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no job matches 'nope'", p.stderr)
        p = self.drover("table", "--rows", "x", "--value", "acc", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("'acc'", p.stderr)


if __name__ == "__main__":
    unittest.main()
