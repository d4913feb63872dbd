"""Unit tests for the drover job client (python/drover).

Run with:  /usr/bin/python3 -m unittest discover -s python/tests
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
from fractions import Fraction
from unittest import mock

PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
PYTHON_DIR = os.path.normpath(PYTHON_DIR)
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

import drover  # noqa: E402

DROVER_VARS = ("DROVER_METRICS", "DROVER_PARAMS", "DROVER_CHECKPOINT_DIR",
               "DROVER_CONTROL", "DROVER_JOB_DIR", "DROVER_ATTEMPT", "DROVER_NEXT_RUNG")


def clean_env(**values):
    """An os.environ patch with every DROVER_* variable removed, then `values` set."""
    env = {k: v for k, v in os.environ.items() if k not in DROVER_VARS}
    env.update(values)
    return mock.patch.dict(os.environ, env, clear=True)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.addCleanup(self._tmp.cleanup)
        self.metrics = os.path.join(self.tmp, "metrics.jsonl")


class TestLog(TempDirTest):
    def test_one_line_per_metric_with_step(self):
        with clean_env(DROVER_METRICS=self.metrics):
            drover.log(accuracy=0.91, loss=0.25, step=3)
        lines = read_lines(self.metrics)
        self.assertEqual([(r["name"], r["value"], r["step"]) for r in lines],
                         [("accuracy", 0.91, 3), ("loss", 0.25, 3)])
        for r in lines:
            self.assertIsInstance(r["time"], float)
            self.assertEqual(set(r), {"name", "value", "step", "time"})

    def test_step_omitted_when_not_given(self):
        with clean_env(DROVER_METRICS=self.metrics):
            drover.log(accuracy=1)
        (record,) = read_lines(self.metrics)
        self.assertNotIn("step", record)
        self.assertEqual(record["value"], 1)

    def test_appends_and_keeps_existing_lines(self):
        with open(self.metrics, "w") as f:
            f.write('{"name": "old", "value": 1, "time": 0}\n')
        with clean_env(DROVER_METRICS=self.metrics):
            for step in range(5):
                drover.log(step=step, loss=1.0 / (step + 1))
        lines = read_lines(self.metrics)
        self.assertEqual(len(lines), 6)
        self.assertEqual([r.get("step") for r in lines], [None, 0, 1, 2, 3, 4])

    def test_every_line_is_complete_json(self):
        with clean_env(DROVER_METRICS=self.metrics):
            drover.log(**{"weird \"name\"\n": 2.5})
        with open(self.metrics, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"))
        self.assertEqual(text.count("\n"), 1)
        self.assertEqual(json.loads(text)["name"], "weird \"name\"\n")

    def test_rejects_bad_values_with_clear_message(self):
        bad = {"flag": True, "nan": float("nan"), "inf": float("inf"),
               "ninf": float("-inf"), "text": "0.9", "none": None,
               "complex": 1j, "list": [1.0]}
        with clean_env(DROVER_METRICS=self.metrics):
            for name, value in bad.items():
                with self.subTest(name=name):
                    with self.assertRaises(ValueError) as cm:
                        drover.log(**{name: value})
                    self.assertIn(name, str(cm.exception))
        self.assertFalse(os.path.exists(self.metrics), "nothing may be written")

    def test_invalid_value_writes_nothing_from_the_call(self):
        with clean_env(DROVER_METRICS=self.metrics):
            with self.assertRaises(ValueError):
                drover.log(good=1.0, bad=float("nan"))
        self.assertFalse(os.path.exists(self.metrics))

    def test_rejects_bad_steps(self):
        with clean_env(DROVER_METRICS=self.metrics):
            for step in (1.5, "3", True, -1):
                with self.subTest(step=step):
                    with self.assertRaises(ValueError):
                        drover.log(step=step, x=1.0)

    def test_requires_a_metric(self):
        with clean_env(DROVER_METRICS=self.metrics):
            with self.assertRaises(ValueError):
                drover.log(step=1)

    def test_accepts_other_real_numbers(self):
        with clean_env(DROVER_METRICS=self.metrics):
            drover.log(frac=Fraction(1, 4))
        self.assertEqual(read_lines(self.metrics)[0]["value"], 0.25)

    def test_numpy_scalars(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy not installed")
        with clean_env(DROVER_METRICS=self.metrics):
            drover.log(step=np.int64(2), a=np.float32(0.5), b=np.int64(7),
                       c=np.array(0.25), d=np.mean([1.0, 2.0]))
            with self.assertRaises(ValueError):
                drover.log(flag=np.bool_(True))
            with self.assertRaises(ValueError):
                drover.log(v=np.array([1.0, 2.0]))
            with self.assertRaises(ValueError):
                drover.log(v=np.float64("nan"))
        lines = read_lines(self.metrics)
        self.assertEqual({r["name"]: r["value"] for r in lines},
                         {"a": 0.5, "b": 7, "c": 0.25, "d": 1.5})
        self.assertTrue(all(r["step"] == 2 for r in lines))

    def test_prints_to_stderr_outside_drover(self):
        err = io.StringIO()
        with clean_env(), contextlib.redirect_stderr(err):
            drover.log(accuracy=0.91, step=3)
            drover.log(loss=2)
        text = err.getvalue()
        self.assertIn("accuracy=0.91", text)
        self.assertIn("step=3", text)
        self.assertIn("loss=2", text)
        self.assertFalse(os.path.exists(self.metrics))

    def test_concurrent_writers_never_interleave(self):
        script = textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {PYTHON_DIR!r})
            import drover
            w = int(sys.argv[1])
            for i in range(300):
                drover.log(step=i, **{{"writer_%d_metric_with_a_long_name" % w: i * 1.5,
                                       "second_%d" % w: i}})
        """)
        env = {k: v for k, v in os.environ.items() if k not in DROVER_VARS}
        env["DROVER_METRICS"] = self.metrics
        procs = [subprocess.Popen([sys.executable, "-c", script, str(w)], env=env)
                 for w in range(6)]
        for p in procs:
            self.assertEqual(p.wait(), 0)
        lines = read_lines(self.metrics)  # raises if any line is broken
        self.assertEqual(len(lines), 6 * 300 * 2)
        for w in range(6):
            steps = [r["step"] for r in lines if r["name"] == "second_%d" % w]
            self.assertEqual(steps, list(range(300)))


class TestReport(TempDirTest):
    def test_report_logs_objective_with_step(self):
        with clean_env(DROVER_METRICS=self.metrics):
            drover.report(0.5, step=1)
            drover.report(0.75, 2)
        lines = read_lines(self.metrics)
        self.assertEqual([(r["name"], r["value"], r["step"]) for r in lines],
                         [("objective", 0.5, 1), ("objective", 0.75, 2)])

    def test_report_validates(self):
        with clean_env(DROVER_METRICS=self.metrics):
            with self.assertRaises(ValueError):
                drover.report(float("nan"), 1)
            with self.assertRaises(ValueError):
                drover.report(0.5, -1)

    def test_report_without_step_is_the_result(self):
        with clean_env(DROVER_METRICS=self.metrics):
            drover.report(0.5, step=1)
            drover.report(0.25)
        lines = read_lines(self.metrics)
        self.assertEqual([(r["name"], r["value"], r.get("step")) for r in lines],
                         [("objective", 0.5, 1), ("objective", 0.25, None)])


class TestParams(TempDirTest):
    def test_empty_outside_drover(self):
        with clean_env():
            self.assertEqual(drover.params(), {})

    def test_json_object(self):
        value = {"task": "digits", "fraction": "0.1", "seed": "42"}
        with clean_env(DROVER_PARAMS=json.dumps(value)):
            self.assertEqual(drover.params(), value)

    def test_path_to_json_file(self):
        path = os.path.join(self.tmp, "params.json")
        with open(path, "w") as f:
            json.dump({"model": "mlp"}, f)
        with clean_env(DROVER_PARAMS=path):
            self.assertEqual(drover.params(), {"model": "mlp"})

    def test_invalid(self):
        for raw in ("{not json", "[1, 2]"):
            with self.subTest(raw=raw), clean_env(DROVER_PARAMS=raw):
                with self.assertRaises(ValueError) as cm:
                    drover.params()
                self.assertIn("DROVER_PARAMS", str(cm.exception))


class TestDirsAndAttempt(TempDirTest):
    def test_checkpoint_dir_under_drover(self):
        ckpt = os.path.join(self.tmp, "job", "checkpoint")
        with clean_env(DROVER_CHECKPOINT_DIR=ckpt):
            self.assertEqual(drover.checkpoint_dir(), ckpt)
        self.assertTrue(os.path.isdir(ckpt))

    def test_checkpoint_dir_outside_drover(self):
        cwd = os.getcwd()
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, cwd)
        with clean_env():
            path = drover.checkpoint_dir()
        self.assertEqual(os.path.realpath(path),
                         os.path.realpath(os.path.join(self.tmp, "checkpoint")))
        self.assertTrue(os.path.isdir(path))

    def test_attempt(self):
        with clean_env():
            self.assertEqual(drover.attempt(), 1)
        with clean_env(DROVER_ATTEMPT="3"):
            self.assertEqual(drover.attempt(), 3)
        for raw in ("x", "0"):
            with clean_env(DROVER_ATTEMPT=raw):
                with self.assertRaises(ValueError):
                    drover.attempt()

    def test_job_dir(self):
        with clean_env(DROVER_JOB_DIR=self.tmp):
            self.assertEqual(drover.job_dir(), self.tmp)
        with clean_env():
            self.assertEqual(drover.job_dir(), os.getcwd())

    def test_under_drover(self):
        with clean_env():
            self.assertFalse(drover.under_drover())
        with clean_env(DROVER_METRICS=self.metrics):
            self.assertTrue(drover.under_drover())


class TestControl(TempDirTest):
    def setUp(self):
        super().setUp()
        self.control = os.path.join(self.tmp, "control")

    def write(self, text):
        with open(self.control, "w") as f:
            f.write(text)

    def test_false_without_variable_or_file(self):
        with clean_env():
            self.assertFalse(drover.should_prune())
            self.assertFalse(drover.should_stop())
        with clean_env(DROVER_CONTROL=self.control):
            self.assertFalse(drover.should_prune())
            self.assertFalse(drover.should_stop())

    def test_prune(self):
        self.write("prune\n")
        with clean_env(DROVER_CONTROL=self.control):
            self.assertTrue(drover.should_prune())
            self.assertFalse(drover.should_stop())

    def test_stop(self):
        self.write("stop")
        with clean_env(DROVER_CONTROL=self.control):
            self.assertFalse(drover.should_prune())
            self.assertTrue(drover.should_stop())

    def test_empty_or_other_content(self):
        for text in ("", "\n", "run"):
            self.write(text)
            with self.subTest(text=text), clean_env(DROVER_CONTROL=self.control):
                self.assertFalse(drover.should_prune())
                self.assertFalse(drover.should_stop())

    def test_file_appears_later(self):
        with clean_env(DROVER_CONTROL=self.control):
            self.assertFalse(drover.should_stop())
            self.write("stop\n")
            self.assertTrue(drover.should_stop())

    def _at_rung_then(self, after_text):
        # Step 4 is logged at the pruner's next rung, which drover has not read yet
        # (seen 3): should_prune() waits until the control file says more.
        metrics = os.path.join(self.tmp, "metrics.jsonl")
        self.write("seen 3 next 4\n")
        with clean_env(DROVER_CONTROL=self.control, DROVER_METRICS=metrics):
            drover.log(step=4, loss=1.0)
            timer = threading.Timer(0.2, self.write, [after_text])
            timer.start()
            try:
                return drover.should_prune()
            finally:
                timer.join()

    def test_waits_at_a_rung_for_the_decision(self):
        self.assertTrue(self._at_rung_then("prune\n"))
        self.assertFalse(self._at_rung_then("seen 4 next 16\n"))

    def test_the_first_rung_comes_from_the_environment(self):
        # Before drover's first write of the control file, $DROVER_NEXT_RUNG names the rung.
        metrics = os.path.join(self.tmp, "metrics.jsonl")
        with clean_env(DROVER_CONTROL=self.control, DROVER_METRICS=metrics,
                       DROVER_NEXT_RUNG="1"):
            drover.log(step=0, loss=1.0)
            self.assertFalse(drover.should_prune())
            drover.log(step=1, loss=1.0)
            timer = threading.Timer(0.2, self.write, ["prune\n"])
            timer.start()
            try:
                self.assertTrue(drover.should_prune())
            finally:
                timer.join()

    def test_no_wait_once_drover_names_no_decision_step(self):
        # "seen S" without "next" (a median pruner past the steps completed trials
        # reported): no wait, even with a $DROVER_NEXT_RUNG from the trial's start.
        metrics = os.path.join(self.tmp, "metrics.jsonl")
        self.write("seen 7\n")
        with clean_env(DROVER_CONTROL=self.control, DROVER_METRICS=metrics,
                       DROVER_NEXT_RUNG="0"), \
                mock.patch.object(drover, "RUNG_WAIT_S", 30):
            drover.log(step=8, loss=1.0)
            self.assertFalse(drover._at_unread_rung(drover._control_words()))
            self.assertFalse(drover.should_prune())

    def test_no_wait_before_the_rung_and_a_bounded_one_at_it(self):
        metrics = os.path.join(self.tmp, "metrics.jsonl")
        self.write("seen 2 next 4\n")
        with clean_env(DROVER_CONTROL=self.control, DROVER_METRICS=metrics), \
                mock.patch.object(drover, "RUNG_WAIT_S", 0.05):
            drover.log(step=3, loss=1.0)
            self.assertFalse(drover.should_prune())
            drover.log(step=4, loss=1.0)  # drover never reads it: the wait ends, no prune
            self.assertFalse(drover.should_prune())

    def test_sigterm_is_a_stop_once_caught(self):
        # The walltime's notice is SIGTERM (drover writes no `stop` first): after
        # catch_sigterm() the process lives on, and should_stop() says so, saves, requeues.
        script = textwrap.dedent(f"""
            import os, signal, sys
            sys.path.insert(0, {PYTHON_DIR!r})
            import drover
            print(drover.should_stop())
            drover.catch_sigterm()
            os.kill(os.getpid(), signal.SIGTERM)
            print(drover.should_stop())
            drover.requeue()
        """)
        env = {k: v for k, v in os.environ.items() if k not in DROVER_VARS}
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env=env, timeout=60)
        self.assertEqual(proc.stdout.split(), ["False", "True"], proc.stderr)
        self.assertEqual(proc.returncode, 85)


class TestRequeue(unittest.TestCase):
    def test_constant(self):
        self.assertEqual(drover.REQUEUE, 85)

    def test_requeue_raises_system_exit_85(self):
        with self.assertRaises(SystemExit) as cm:
            drover.requeue()
        self.assertEqual(cm.exception.code, 85)

    def test_process_exit_status(self):
        script = (f"import sys; sys.path.insert(0, {PYTHON_DIR!r}); import drover; "
                  "print('saved'); drover.requeue(); print('not reached')")
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 85)
        self.assertEqual(proc.stdout, "saved\n")


if __name__ == "__main__":
    unittest.main()
