"""Bad input through the real CLI: a clear message with its location, exit code 2,
and nothing written to the store."""
import glob
import os
import shutil
import subprocess
import unittest

from harness import DROVER, DroverTest

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
        self.assertRegex(p.stderr, "no succeeded job of workflow '[^']+' logged a metric named 'acuracy'")
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


class NoAbortTest(DroverTest):
    """No input ends drover with an abort or a signal: a user's mistake is exit 2 with a
    message that says what and where; a bug that escapes anyway is exit 70."""

    def run_bytes(self, *args, env=None):
        """drover with its output as bytes: what reaches the terminal, byte for byte."""
        full_env = dict(os.environ, **(env or {}))
        return subprocess.run([DROVER, *args], cwd=self.dir, capture_output=True,
                              timeout=120, env=full_env)

    def write_bytes(self, name, data):
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)

    def assertRefused(self, p, *messages):
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 2, out)
        for m in messages:
            self.assertIn(m, out)

    def test_an_escaped_exception_is_an_internal_error_with_exit_70(self):
        for kind, message in [("exception", "a test exception"), ("bad_alloc", "out of memory"),
                              ("other", "an unknown exception")]:
            with self.subTest(kind):
                p = self.drover("status", check=False, env={"DROVER_TEST_INTERNAL_ERROR": kind})
                self.assertEqual(p.returncode, 70, p.stderr)
                self.assertEqual(p.stderr,
                                 f"drover: internal error: {message}, please report it\n")

    def test_table_precision_outside_0_to_17_is_refused(self):
        self.write("drover.yaml", "axes: {a: [1, 2]}\nsteps:\n  s:\n    over: [a]\n"
                                  "    run: echo '{{\"name\":\"acc\",\"value\":{a}}}' >> \"$DROVER_METRICS\"\n")
        self.drover("run")
        for bad in ["-1", "18", "1000000000"]:
            with self.subTest(bad):
                p = self.drover("table", "--rows", "a", "--value", "acc", "--precision", bad,
                                check=False)
                self.assertRefused(p, "--precision", "0 to 17")
        p = self.drover("table", "--rows", "a", "--value", "acc", "--precision", "17")
        self.assertIn("2.00000000000000000", p.stdout)

    def test_a_space_that_is_not_utf8_is_refused_at_its_location(self):
        cases = [(b"act: {type: categorical, choices: [relu, b\xffd]}\n", "space.yaml:1:43: error: "),
                 (b"l\xc3r: {type: float, low: 0.1, high: 1}\n", "space.yaml:1:2: error: "),
                 (b'{"act": {"type": "categorical", "choices": ["a", "b\xff"]}}\n',
                  "space.yaml:1:52: error: ")]
        for text, where in cases:
            with self.subTest(where):
                self.write_bytes("space.yaml", text)
                p = self.run_bytes("study", "create", "s", "--space", "space.yaml")
                self.assertEqual(p.returncode, 2, p.stderr)
                err = p.stderr.decode()  # valid UTF-8: the byte is shown escaped
                self.assertIn(where, err)
                self.assertIn("which is not UTF-8 text", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))

    def test_a_grid_too_large_to_list_is_refused_with_its_size(self):
        self.write("space.yaml", "x: {type: int, low: 0, high: 9000000000000}\n")
        p = self.drover("study", "create", "g", "--space", "space.yaml", "--sampler", "grid",
                        check=False)
        self.assertRefused(p, "alone has 9000000000001 values", "a grid lists at most 1000000")
        # The same space with a sampler that does not list every point is fine.
        self.drover("study", "create", "t", "--space", "space.yaml", "--sampler", "random")
        p = self.drover("study", "ask", "t")
        self.assertIn('"x":', p.stdout)

    def test_sampler_options_too_large_to_build_are_refused(self):
        self.write("space.yaml", "x: {type: float, low: 0, high: 1}\n")
        for sampler, option, most in [("cmaes", "popsize", 100000), ("tpe", "n_ei_candidates", 100000),
                                      ("grid", "float_points", 100000),
                                      ("tpe", "n_startup_trials", 2147483647)]:
            with self.subTest(option):
                p = self.drover("study", "create", "s", "--space", "space.yaml", "--sampler", sampler,
                                "--sampler-options", f'{{"{option}": 100000000000}}', check=False)
                self.assertRefused(p, f"option '{option}' must be a whole number from 0 to {most}")
        self.drover("study", "create", "s", "--space", "space.yaml", "--sampler", "cmaes",
                    "--sampler-options", '{"popsize": 50}')
        self.assertIn('"x":', self.drover("study", "ask", "s", timeout=60).stdout)

    def test_an_alias_bomb_in_a_space_file_is_refused_quickly(self):
        levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in range(1, 9):
            levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
        self.write("space.yaml", "\n".join(levels) + "\nx: {type: categorical, choices: *a8}\n")
        p = self.drover("study", "create", "b", "--space", "space.yaml", check=False, timeout=60)
        self.assertRefused(p, "space.yaml:1:1: error: the search space is too large: more than "
                              "100000 values")

    def test_a_cross_product_made_large_with_set_is_refused_with_its_count(self):
        self.write("drover.yaml", "axes: {a: [0], b: [0], c: [0]}\n"
                                  "steps:\n  s: {over: [a, b, c], run: 'true'}\n")
        values = ",".join(str(i) for i in range(1000))
        p = self.drover("run", "--set", "a=" + values, "--set", "b=" + values, "--set",
                        "c=" + values, check=False, timeout=60)
        self.assertRefused(p, "with --set: step 's' expands to 1,000,000,000 jobs "
                              "(a 1,000 x b 1,000 x c 1,000); drover plans at most 10,000,000 jobs")
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")))

    def test_a_file_that_hangs_yaml_cpp_is_a_syntax_error(self):
        self.write("drover.yaml", '{"a": {"type": "int"},\n "b": [1]},\n "c": {}}}\n')
        p = self.drover("run", check=False, timeout=60)
        self.assertRefused(p, "drover.yaml:2:11: error: YAML syntax error: unexpected ','")

    def test_control_bytes_of_values_are_printed_escaped(self):
        self.write_bytes("drover.yaml",
                         b'axes:\n  v: ["a\\e[2Jb", "line\\nnext"]\n'
                         b'steps:\n  s: {over: [v], run: "echo {v}; echo oops\\e[31m >&2; exit 1"}\n')
        run = self.run_bytes("run")
        self.assertEqual(run.returncode, 1, run.stderr)
        jobs = self.run_bytes("jobs")
        show = self.run_bytes("show", "s/v=a\x1b[2Jb")
        self.assertEqual(show.returncode, 0, show.stderr)
        for p in (run, jobs, show):
            out = p.stdout + p.stderr
            self.assertNotIn(b"\x1b", out)
            self.assertIn(b"s/v=a\\x1b[2Jb", out)
        self.assertIn(b"s/v=line\\nnext", jobs.stdout)
        self.assertIn(b"oops\\x1b[31m", run.stdout + run.stderr)  # the job's stderr tail


if __name__ == "__main__":
    unittest.main()
