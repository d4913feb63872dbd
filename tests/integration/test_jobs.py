"""Running jobs: quoting, walltime, requeue from checkpoints, retries with backoff,
GPU pinning, failures and their dependents, interruption, corrupt job files."""
import json
import os
import signal
import time
import unittest

from harness import DroverTest

HOSTILE = ["$(touch pwned)", "; rm -rf x", "it's", '"dq"', "two words", "line1\nline2",
           "`touch pwned2`", "Zürich ✓", "*", "-n", "$HOME", "a\\b"]


class InjectionTest(DroverTest):
    def test_values_are_data_never_code(self):
        values = ", ".join(json.dumps(v) for v in HOSTILE)
        self.write("drover.yaml", f"""\
            axes:
              v: [{values}]
            steps:
              echo:
                over: [v]
                run: printf %s {{v}} > value.txt
                outputs: [value.txt]
                env: {{RAW: "{{v}}"}}
            """)
        self.drover("run")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "pwned")))
        got = set()
        for (d,) in self.query("SELECT dir FROM jobs"):
            with open(os.path.join(self.dir, d, "value.txt")) as f:
                got.add(f.read())
        self.assertEqual(got, set(HOSTILE))
        for root, _, files in os.walk(self.dir):
            self.assertNotIn("pwned", files)
            self.assertNotIn("pwned2", files)

    def test_set_override_is_quoted_too(self):
        self.write("drover.yaml", """\
            axes: {v: [x]}
            steps:
              s: {over: [v], run: "printf %s {v} > out", outputs: [out]}
            """)
        self.drover("run", "--set", "v=$(touch pwned)")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "pwned")))


class WalltimeAndRequeueTest(DroverTest):
    def test_walltime_kills_the_job(self):
        self.write("drover.yaml", """\
            steps:
              slow:
                run: sleep 60
                resources: {walltime: 1s}
                grace: 1s
            """)
        t0 = time.time()
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertLess(time.time() - t0, 30)
        self.assertIn("walltime", p.stdout)
        self.assertEqual(self.job_state("slow"), "failed")

    def test_job_that_ignores_sigterm_is_killed_after_grace(self):
        self.write("drover.yaml", """\
            steps:
              stubborn:
                run: trap '' TERM; sleep 60
                resources: {walltime: 1s}
                grace: 1s
            """)
        t0 = time.time()
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertLess(time.time() - t0, 30)

    def test_exit_85_requeues_and_resumes_from_checkpoint(self):
        # Each attempt does one "epoch", saves it, and asks to be run again (85)
        # until three epochs are done; checkpoints survive the requeues.
        self.write("train.sh", """\
            ckpt="$DROVER_CHECKPOINT_DIR/epoch"
            epoch=$(cat "$ckpt" 2>/dev/null || echo 0)
            epoch=$((epoch + 1))
            echo $epoch > "$ckpt"
            echo "attempt $DROVER_ATTEMPT epoch $epoch" >> "$DROVER_WORKDIR/trace.log"
            [ $epoch -lt 3 ] && exit 85
            echo done > model.txt
            """)
        self.write("drover.yaml", """\
            steps:
              train:
                run: sh train.sh
                outputs: [model.txt]
            """)
        p = self.drover("run")
        self.assertIn("1 ran", p.stdout)
        self.assertEqual(self.lines("trace.log"),
                         ["attempt 1 epoch 1", "attempt 2 epoch 2", "attempt 3 epoch 3"])
        states = [a[1] for a in self.attempts("train")]
        self.assertEqual(states, ["requeued", "requeued", "succeeded"])

    def test_walltime_then_checkpoint_then_requeue(self):
        # The cluster pattern: SIGTERM at the walltime, the job saves and exits 85.
        self.write("train.sh", """\
            ckpt="$DROVER_CHECKPOINT_DIR/step"
            step=$(cat "$ckpt" 2>/dev/null || echo 0)
            trap 'echo $step > "$ckpt"; exit 85' TERM
            while [ $step -lt 12 ]; do step=$((step + 1)); sleep 0.2; done
            echo finished at $step > result.txt
            """)
        self.write("drover.yaml", """\
            steps:
              train:
                run: sh train.sh
                outputs: [result.txt]
                resources: {walltime: 1s}
                grace: 2s
            """)
        self.drover("run", timeout=120)
        states = [a[1] for a in self.attempts("train")]
        self.assertGreaterEqual(len(states), 2)
        self.assertEqual(states[-1], "succeeded")
        self.assertTrue(all(s == "requeued" for s in states[:-1]), states)


class RetryTest(DroverTest):
    def test_retries_with_backoff(self):
        self.write("flaky.sh", """\
            n=$(cat "$DROVER_CHECKPOINT_DIR/n" 2>/dev/null || echo 0)
            echo $((n + 1)) > "$DROVER_CHECKPOINT_DIR/n"
            [ $n -lt 2 ] && { echo "failure $n" >&2; exit 3; }
            echo ok > out.txt
            """)
        self.write("drover.yaml", """\
            steps:
              flaky:
                run: sh flaky.sh
                outputs: [out.txt]
                retries: {count: 2, backoff: 0.5s, factor: 2}
            """)
        self.drover("run")
        atts = self.attempts("flaky")
        self.assertEqual([a[1] for a in atts], ["failed", "failed", "succeeded"])
        self.assertEqual(atts[0][2], 3)
        self.assertGreaterEqual(atts[1][3] - atts[0][3], 0.5)
        self.assertGreaterEqual(atts[2][3] - atts[1][3], 1.0)
        # Each attempt's logs are kept: the latest by default, earlier ones by number.
        self.assertIn("failure 0", self.drover("logs", "flaky", "--attempt", "1", "--stderr").stdout)
        self.assertIn("failure 1", self.drover("logs", "flaky", "--attempt", "2", "--stderr").stdout)
        self.assertEqual(self.drover("logs", "flaky", "--stderr").stdout, "")
        self.assertEqual(self.drover("logs", "flaky", "--attempt", "3", "--stderr").stdout, "")
        p = self.drover("logs", "flaky", "--attempt", "4", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has 3 attempts; --attempt takes 1 to 3", p.stderr)

    def test_exhausted_retries_fail_and_skip_dependents(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2]}
            steps:
              first:
                over: [i]
                run: "if [ {i} = 1 ]; then echo boom-{i} >&2; exit 7; fi; echo ok > out"
                outputs: [out]
                retries: 1
              second:
                over: [i]
                run: cat {first.out} > out2
              third:
                run: echo all
                after: [second]
            """)
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("FAILED", p.stdout)
        self.assertIn("boom-1", p.stdout)
        self.assertIn("drover logs first/i=1", p.stdout)
        self.assertEqual(self.job_state("first/i=1"), "failed")
        self.assertEqual(self.job_state("second/i=1"), "skipped")
        self.assertEqual(self.job_state("second/i=2"), "succeeded")
        self.assertEqual(self.job_state("third"), "skipped")
        self.assertEqual(len(self.attempts("first/i=1")), 2)
        logs = self.drover("logs", "first/i=1", "--stderr")
        self.assertIn("boom-1", logs.stdout)

    def test_fail_fast_stops(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2, 3, 4, 5, 6]}
            steps:
              s:
                over: [i]
                run: "[ {i} = 1 ] && exit 1; sleep 2"
            """)
        p = self.drover("run", "-j", "1", "--fail-fast", check=False)
        self.assertEqual(p.returncode, 1)
        ran = self.query("SELECT count(*) FROM attempts")[0][0]
        self.assertLess(ran, 6)


class GpuTest(DroverTest):
    def test_jobs_are_pinned_to_distinct_gpus(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2, 3, 4, 5, 6]}
            steps:
              g:
                over: [i]
                run: s=$(date +%s.%N); sleep 0.3; echo "$CUDA_VISIBLE_DEVICES $s $(date +%s.%N)" >> "$DROVER_WORKDIR/gpu.log"
                resources: {gpus: 1}
              cpu:
                run: echo "[$CUDA_VISIBLE_DEVICES]" > "$DROVER_WORKDIR/cpu.log"
            """)
        self.drover("run", "-j", "4", "--gpus", "3,7")
        rows = [l.split() for l in self.lines("gpu.log")]
        self.assertEqual(len(rows), 6)
        self.assertEqual({r[0] for r in rows}, {"3", "7"})
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                overlap = float(a[1]) < float(b[2]) and float(b[1]) < float(a[2])
                if overlap:
                    self.assertNotEqual(a[0], b[0], "two jobs shared a GPU")
        self.assertEqual(self.lines("cpu.log"), ["[]"])

    def test_asking_for_more_gpus_than_exist_is_an_error(self):
        self.write("drover.yaml", """\
            steps:
              g: {run: "true", resources: {gpus: 2}}
            """)
        p = self.drover("run", "--gpus", "1", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("2 GPUs", p.stderr)


class InterruptTest(DroverTest):
    def test_sigint_stops_cleanly_and_resume_finishes(self):
        self.write("drover.yaml", """\
            axes: {i: [1, 2, 3, 4]}
            steps:
              s:
                over: [i]
                run: sleep 5; echo {i} >> "$DROVER_WORKDIR/done.log"
            """)
        p = self.spawn("run", "-j", "2")
        time.sleep(1.0)
        os.killpg(p.pid, signal.SIGINT)
        self.assertEqual(p.wait(timeout=60), 130)
        self.assertEqual(self.lines("done.log"), [])
        self.assertEqual(self.query("SELECT count(*) FROM attempts WHERE state='running'"),
                         [(0,)])
        self.assertEqual(self.query("SELECT state FROM runs ORDER BY id DESC LIMIT 1"),
                         [("interrupted",)])
        self.drover("run", "-j", "4")
        self.assertEqual(sorted(self.lines("done.log")), ["1", "2", "3", "4"])


class CorruptFilesTest(DroverTest):
    def test_bad_metric_lines_are_reported_not_fatal(self):
        self.write("drover.yaml", """\
            steps:
              m:
                run: printf 'not json\\n{{"name":"acc","value":0.5}}\\n{{"name":"acc","val' >> "$DROVER_METRICS"
            """)
        p = self.drover("run")
        self.assertIn("metrics.jsonl:1", p.stdout)
        self.assertIn("truncated", p.stdout)
        self.assertEqual(self.query("SELECT value FROM metrics"), [(0.5,)])

    def test_corrupt_status_file_after_crash_fails_the_attempt_only(self):
        self.write("drover.yaml", """\
            steps:
              s:
                run: sleep 2; echo ok > out
                outputs: [out]
                retries: 1
            """)
        p = self.spawn("run")
        deadline = time.time() + 20
        while time.time() < deadline:
            rows = self.query_when_ready("SELECT count(*) FROM attempts WHERE handle != ''")
            if rows and rows[0][0]:
                break
            time.sleep(0.05)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        (d,) = self.query("SELECT dir FROM jobs")[0]
        # Let the orphaned attempt finish, then damage what it wrote.
        time.sleep(3)
        with open(os.path.join(self.dir, d, "status.json"), "w") as f:
            f.write('{"exit_code": 0, "sig')
        r = self.drover("run")
        atts = self.attempts("s")
        self.assertIn("not valid json", atts[0][4].lower())
        self.assertIn("retry", r.stdout)
        self.assertEqual(atts[-1][1], "succeeded")


if __name__ == "__main__":
    unittest.main()
