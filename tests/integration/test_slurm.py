"""drover on a real Slurm (the single-node cluster of tests/slurm/up.sh, which ctest
starts around these tests and names in SLURM_CONF): sweeps as job arrays, adoption
after SIGKILL, walltime requeues from checkpoints, refusals, cancellation, and the
leaderboard example giving the same table as locally.

sbatch, squeue, scancel and scontrol are counted through a PATH shim that logs each
call and execs the real command."""
import collections
import json
import os
import pty
import select
import shutil
import signal
import sqlite3
import subprocess
import time
import unittest

from harness import DroverTest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "leaderboard")
COMMANDS = ("sbatch", "squeue", "scancel", "scontrol")


class SlurmTest(DroverTest):
    def setUp(self):
        super().setUp()
        if not os.environ.get("SLURM_CONF"):
            self.fail("SLURM_CONF is not set: run through ctest, whose slurm fixture "
                      "starts tests/slurm/up.sh, or export it for a running test cluster")
        self.shim = os.path.join(self.dir, "shim")
        self.calls_log = os.path.join(self.dir, "slurm-calls.log")
        os.makedirs(self.shim)
        for cmd in COMMANDS:
            real = shutil.which(cmd)
            self.assertIsNotNone(real, f"{cmd} is not on PATH")
            path = os.path.join(self.shim, cmd)
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\necho {cmd} "$@" >> "{self.calls_log}"\nexec {real} "$@"\n')
            os.chmod(path, 0o755)
        self.env = {"PATH": self.shim + ":" + os.environ["PATH"]}
        self.addCleanup(self.cancel_leftovers)

    def calls(self):
        """How many times each command ran."""
        return collections.Counter(l.split()[0] for l in self.lines("slurm-calls.log"))

    def sbatch_lines(self):
        return [l.split() for l in self.lines("slurm-calls.log") if l.startswith("sbatch ")]

    def run_drover(self, *args, **kw):
        return self.drover(*args, env=self.env, **kw)

    def spawn_drover(self, *args):
        env = dict(os.environ)
        env.update(self.env)
        return subprocess.Popen([self.drover_bin(), *args], cwd=self.dir, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def drover_bin(self):
        from harness import DROVER
        return DROVER

    def slurm_ids(self):
        """The Slurm ids drover recorded ([] before it made its store)."""
        try:
            rows = self.query("SELECT handle FROM attempts WHERE handle LIKE 'slurm:%'")
        except sqlite3.OperationalError:
            return []
        return [h[len("slurm:"):] for (h,) in rows]

    def queued(self):
        """Our jobs still in Slurm's queue: {id: state}."""
        arrays = sorted({i.split("_")[0] for i in self.slurm_ids()})
        if not arrays:
            return {}
        p = subprocess.run(["squeue", "-h", "-r", "-o", "%i %T", "--jobs=" + ",".join(arrays)],
                           capture_output=True, text=True, timeout=60)
        out = {}
        for line in p.stdout.splitlines():
            if line.strip():
                job, state = line.split()
                out[job] = state
        return out

    def wait_until(self, what, cond, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.2)
        self.fail(f"timed out after {seconds}s waiting for {what}")

    def cancel_leftovers(self):
        arrays = sorted({i.split("_")[0] for i in self.slurm_ids()})
        if arrays:
            subprocess.run(["scancel", *arrays], capture_output=True, timeout=60)

    def job_dirs(self, step):
        return [os.path.join(self.dir, d) for (d,) in
                self.query("SELECT dir FROM jobs WHERE step=?", step)]


class SlurmSweepTest(SlurmTest):
    def test_thousand_job_sweep_goes_out_as_one_array(self):
        self.write("drover.yaml", f"""\
            axes:
              i: [{", ".join(str(i) for i in range(1000))}]
            executor: slurm
            slurm: {{poll_interval: 1s, array_throttle: 200}}
            steps:
              square:
                over: [i]
                run: echo $(( {{i}} * {{i}} )) > out.txt
                outputs: [out.txt]
            """)
        t0 = time.time()
        p = self.run_drover("run", "-q", timeout=400)
        elapsed = time.time() - t0
        self.assertIn("1000 ran", p.stdout)
        calls = self.calls()
        self.assertEqual(calls["sbatch"], 1, calls)
        # One squeue per polling interval for all 1000 jobs, never one per job.
        self.assertLessEqual(calls["squeue"], elapsed / 1.0 + 2, calls)
        self.assertEqual(calls["scontrol"], 0)
        states = self.query("SELECT state, count(*) FROM jobs GROUP BY state")
        self.assertEqual(states, [("succeeded", 1000)])
        values = []
        for d in self.job_dirs("square"):
            with open(os.path.join(d, "out.txt")) as f:
                values.append(int(f.read()))
        values.sort()
        self.assertEqual(values, sorted(i * i for i in range(1000)))
        print(f"1000 jobs in {elapsed:.1f}s with {dict(calls)}")


class SlurmStudyTest(SlurmTest):
    def test_study_trials_run_as_slurm_jobs_and_are_pruned_there(self):
        from test_study_workflow import TRIAL
        self.write("trial.py", TRIAL)
        self.write("drover.yaml", """\
            name: w
            slurm: {poll_interval: 1s}
            steps:
              tune:
                executor: slurm
                study:
                  space: {x: {type: float, low: -4, high: 6}}
                  sampler: random
                  pruner: {name: asha, min_resource: 1, reduction_factor: 2}
                  metric: loss
                  trials: 8
                  parallel: 2
                  seed: 3
                run: python3 trial.py {x}
                grace: 2s
                env: {EPOCHS: "12", SLEEP: "0.3"}
              final:
                run: echo {tune.best.x} > best.txt
                outputs: [best.txt]
            """)
        self.run_drover("run", "-q", timeout=300)
        rows = self.query("SELECT t.number, t.state, t.value, t.intermediate FROM trials t "
                          "JOIN studies s ON s.id=t.study_id WHERE s.name='w:tune' "
                          "ORDER BY t.number")
        self.assertEqual([r[0] for r in rows], list(range(8)))
        states = [r[1] for r in rows]
        self.assertEqual(set(states) - {"complete", "pruned"}, set(), rows)
        self.assertIn("complete", states)
        self.assertIn("pruned", states, "ASHA stops some trials while they run on Slurm")
        for number, state, value, inter in rows:
            if state == "pruned":
                self.assertLess(len(json.loads(inter)), 12)
        # Every trial ran as a Slurm job, submitted in arrays, never one sbatch per trial.
        handles = self.query("SELECT a.executor, a.handle FROM attempts a JOIN jobs j "
                             "ON j.id=a.job_id WHERE j.step='tune'")
        self.assertTrue(handles)
        for executor, handle in handles:
            self.assertEqual(executor, "slurm")
            self.assertTrue(handle.startswith("slurm:"), handle)
        self.assertLess(self.calls()["sbatch"], 8, self.calls())
        best = min((r for r in rows if r[1] == "complete"), key=lambda r: r[2])
        x_best = json.loads(self.query("SELECT params FROM trials t JOIN studies s ON "
                                       "s.id=t.study_id WHERE s.name='w:tune' AND t.number=?",
                                       best[0])[0][0])["x"]
        (d,) = self.query("SELECT dir FROM jobs WHERE step='final'")[0]
        with open(os.path.join(self.dir, d, "best.txt")) as f:
            self.assertAlmostEqual(float(f.read()), x_best)
        self.assertEqual(self.queued(), {})


class SlurmRestartTest(SlurmTest):
    def test_killed_drover_adopts_running_jobs_and_reruns_nothing(self):
        n = 12
        self.write("drover.yaml", f"""\
            axes:
              i: [{", ".join(str(i) for i in range(n))}]
            executor: slurm
            slurm: {{poll_interval: 1s}}
            steps:
              work:
                over: [i]
                run: sleep 8 && echo {{i}} >> "$DROVER_WORKDIR/done.log" && echo {{i}} > out.txt
                outputs: [out.txt]
            """)
        first = self.spawn_drover("run", "-q")
        self.wait_until("all jobs submitted, some running", lambda: len(self.slurm_ids()) == n
                        and "RUNNING" in self.queued().values(), seconds=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
        self.assertTrue(self.queued(), "the jobs must outlive drover")
        submitted = self.calls()["sbatch"]
        self.assertEqual(submitted, 1)
        p = self.run_drover("run", "-q", timeout=120)
        self.assertIn(f"{n} adopted", p.stdout)
        self.assertEqual(self.calls()["sbatch"], submitted, "a running job was resubmitted")
        done = collections.Counter(self.lines("done.log"))
        self.assertEqual(sorted(done), sorted(str(i) for i in range(n)))
        self.assertEqual(set(done.values()), {1}, "a job ran twice")
        rows = self.query("SELECT j.name, count(a.id), min(a.state) FROM jobs j "
                          "JOIN attempts a ON a.job_id=j.id GROUP BY j.id")
        self.assertEqual(len(rows), n)
        for name, attempts, state in rows:
            self.assertEqual((attempts, state), (1, "succeeded"), name)


class SlurmPolicyTest(SlurmTest):
    def test_limit_1_holds_on_slurm(self):
        # Each job appends start/end records under flock; at most one may be open at once.
        self.write("rec.py", """\
            import fcntl, os, sys, time
            def record(what):
                with open(os.path.join(os.environ["DROVER_WORKDIR"], "records.log"), "a") as f:
                    fcntl.flock(f, fcntl.LOCK_EX)
                    f.write(what + " " + os.environ["DROVER_JOB_NAME"] + "\\n")
                    fcntl.flock(f, fcntl.LOCK_UN)
            record("start")
            time.sleep(1)
            record("end")
            """)
        self.write("drover.yaml", """\
            axes: {i: [1, 2, 3, 4]}
            executor: slurm
            slurm: {poll_interval: 1s}
            steps:
              one_at_a_time:
                over: [i]
                limit: 1
                run: /usr/bin/python3 "$DROVER_WORKDIR/rec.py"
            """)
        self.run_drover("run", "-q", timeout=300)
        records = [l.split()[0] for l in self.lines("records.log")]
        self.assertEqual(records.count("start"), 4)
        self.assertEqual(records, ["start", "end"] * 4, "two jobs ran at once under limit: 1")
        self.assertEqual(self.query("SELECT state, count(*) FROM jobs GROUP BY state"),
                         [("succeeded", 4)])


class SlurmWalltimeTest(SlurmTest):
    def test_walltime_requeue_resumes_from_checkpoint(self):
        self.write("train.sh", """\
            ckpt="$DROVER_CHECKPOINT_DIR/n"
            n=$(cat "$ckpt" 2>/dev/null || echo 0)
            echo "start $n $SLURM_JOB_ID" >> "$DROVER_WORKDIR/starts.log"
            echo partial > result.txt
            trap 'echo $n > "$ckpt"; exit 85' TERM
            while [ $n -lt 12 ]; do sleep 0.5 & wait $!; n=$((n + 1)); done
            echo "finished at $n" > result.txt
            """)
        self.write("drover.yaml", """\
            executor: slurm
            slurm: {poll_interval: 1s}
            steps:
              train:
                run: sh train.sh
                outputs: [result.txt]
                resources: {walltime: 3s}
                grace: 2s
            """)
        self.run_drover("run", timeout=180)
        for line in self.sbatch_lines():  # Slurm's limit lies beyond the wrapper's
            self.assertIn("--time=3", line)
            self.assertIn("--signal=B:TERM@32", line)
        states = [a[1] for a in self.attempts("train")]
        self.assertGreaterEqual(len(states), 2, states)
        self.assertEqual(states[-1], "succeeded")
        self.assertTrue(all(s == "requeued" for s in states[:-1]), states)
        starts = [l.split() for l in self.lines("starts.log")]
        self.assertEqual(len(starts), len(states))
        self.assertEqual(starts[0][1], "0")
        counts = [int(s[1]) for s in starts]
        self.assertEqual(counts, sorted(counts))
        self.assertGreater(counts[-1], 0, "the requeued attempt did not resume from its checkpoint")
        self.assertTrue(all(s[2] for s in starts), "attempts ran outside Slurm")
        self.assertEqual(len({s[2] for s in starts}), len(starts), "each attempt is a new Slurm job")
        with open(os.path.join(self.job_dirs("train")[0], "result.txt")) as f:
            self.assertEqual(f.read().strip(), "finished at 12")


class SlurmWarningSignalTest(SlurmTest):
    def test_slurms_time_limit_warning_requeues_from_checkpoint(self):
        self.write("train.sh", """\
            ckpt="$DROVER_CHECKPOINT_DIR/n"
            n=$(cat "$ckpt" 2>/dev/null || echo 0)
            trap 'echo $n > "$ckpt"; exit 85' TERM
            echo "start $n" >> "$DROVER_WORKDIR/starts.log"
            while [ $n -lt 8 ]; do sleep 0.5 & wait $!; n=$((n + 1)); done
            echo "finished at $n" > result.txt
            """)
        self.write("drover.yaml", """\
            executor: slurm
            slurm: {poll_interval: 1s}
            steps:
              train:
                run: sh train.sh
                outputs: [result.txt]
                grace: 2s
            """)
        run = self.spawn_drover("run", "-q")
        self.wait_until("the job running", lambda: len(self.lines("starts.log")) == 1 and
                        list(self.queued().values()) == ["RUNNING"])
        time.sleep(1)
        # What --signal=B:TERM@N makes Slurm send before its time limit: TERM to the
        # batch shell, which is the job's wrapper.
        subprocess.run(["scancel", "--batch", "--signal=TERM", self.slurm_ids()[0]],
                       check=True, timeout=60)
        self.assertEqual(run.wait(timeout=120), 0)
        self.assertEqual([a[1] for a in self.attempts("train")], ["requeued", "succeeded"])
        starts = [int(l.split()[1]) for l in self.lines("starts.log")]
        self.assertEqual(starts[0], 0)
        self.assertGreater(starts[1], 0, "the second attempt did not resume from its checkpoint")
        self.assertIn("--signal=B:TERM@32", self.sbatch_lines()[0])


class SlurmRefusalTest(SlurmTest):
    def test_bad_partition_fails_with_slurms_message(self):
        self.write("drover.yaml", """\
            executor: slurm
            slurm: {partition: nope}
            steps:
              train:
                run: echo never
            """)
        p = self.run_drover("run", check=False, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        out = p.stdout + p.stderr
        self.assertIn("Slurm refused the job", out)
        self.assertIn("invalid partition specified: nope", out)
        self.assertEqual(self.calls()["sbatch"], 1, "a permanent refusal is not retried")
        reason = self.query("SELECT reason FROM attempts")[0][0]
        self.assertIn("Invalid partition name specified", reason)


class SlurmLostTest(SlurmTest):
    def test_job_killed_without_status_is_lost_and_retried(self):
        self.write("drover.yaml", """\
            executor: slurm
            slurm: {poll_interval: 1s}
            steps:
              once:
                run: '[ "$DROVER_ATTEMPT" = 1 ] && sleep 60; echo ok > out.txt'
                outputs: [out.txt]
                retries: 1
            """)
        run = self.spawn_drover("run", "-q")
        self.wait_until("the job running", lambda: list(self.queued().values()) == ["RUNNING"])
        job = self.slurm_ids()[0]
        # SIGKILL to the job's wrapper (the batch step's process): no status.json.
        job_dir = os.path.realpath(self.job_dirs("once")[0])

        def wrappers():  # the batch script becomes the wrapper once it has found its job
            return [pid for pid in os.listdir("/proc") if pid.isdigit() and
                    self.link(f"/proc/{pid}/cwd") == job_dir and
                    self.link(f"/proc/{pid}/exe").endswith("/drover-job")]
        self.wait_until("the job's wrapper", lambda: len(wrappers()) == 1, seconds=30)
        os.kill(int(wrappers()[0]), signal.SIGKILL)
        self.assertEqual(run.wait(timeout=120), 0)
        states = [(a[1], a[4]) for a in self.attempts("once")]
        self.assertEqual([s for s, _ in states], ["lost", "succeeded"], states)
        self.assertIn(f"lost: Slurm job {job} left the queue without a status.json", states[0][1])

    @staticmethod
    def link(path):
        try:
            return os.readlink(path)
        except OSError:
            return ""


class SlurmCrashDuringSubmitTest(SlurmTest):
    """drover killed while sbatch waits on a frozen controller: that sbatch's array is
    still accepted once the controller thaws, after a new drover has taken the jobs
    over for their next attempt. Each job's command must still run exactly once."""
    N = 6

    def setUp(self):
        super().setUp()
        self.addCleanup(self.cancel_strays)
        conf_dir = os.path.dirname(os.environ["SLURM_CONF"])
        with open(os.path.join(conf_dir, "pids")) as f:
            pids = dict(line.split() for line in f if line.strip())
        self.ctld = int(pids["slurmctld"])
        self.addCleanup(self.thaw)
        self.write("drover.yaml", f"""\
            axes:
              i: [{", ".join(str(i) for i in range(self.N))}]
            executor: slurm
            slurm: {{poll_interval: 1s}}
            steps:
              count:
                over: [i]
                run: echo {{i}} >> "$DROVER_WORKDIR/runs.log" && echo {{i}} > out.txt
                outputs: [out.txt]
            """)

    def freeze(self):
        os.kill(self.ctld, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.ctld, signal.SIGCONT)

    def our_arrays(self):
        """The arrays in Slurm's queue whose batch script lies in this test's folder."""
        p = subprocess.run(["squeue", "-h", "-r", "-o", "%i|%o", f"--user={os.getuid()}"],
                           capture_output=True, text=True, timeout=60)
        return sorted({l.split("|")[0].split("_")[0] for l in p.stdout.splitlines()
                       if "|" in l and l.split("|", 1)[1].startswith(self.dir + "/")})

    def cancel_strays(self):
        ours = self.our_arrays()
        if ours:
            subprocess.run(["scancel", *ours], capture_output=True, timeout=60)

    def start(self, name):
        log = open(os.path.join(self.dir, name + ".out"), "w")
        self.addCleanup(log.close)
        env = dict(os.environ, **self.env)
        return subprocess.Popen([self.drover_bin(), "run"], cwd=self.dir, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    @staticmethod
    def slurm_child(pid):
        """The Slurm command a process is waiting on (its child sbatch or squeue), or None."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == pid and comm in ("sbatch", "squeue", "scancel"):
                return comm
        return None

    def wait_blocked(self, proc, what):
        self.wait_until(f"{what} blocked in a Slurm command",
                        lambda: proc.poll() is not None or self.slurm_child(proc.pid), 60)
        self.assertIsNone(proc.poll(), f"{what} ended instead of waiting on Slurm")

    def check_each_job_ran_once(self, second):
        self.assertEqual(second.wait(timeout=240), 0, self.read(".drover-2.out"))
        runs = collections.Counter(self.lines("runs.log"))
        self.assertEqual(sorted(runs), sorted(str(i) for i in range(self.N)))
        self.assertEqual({i: c for i, c in runs.items() if c != 1}, {},
                         "a job's command ran more than once")
        self.assertEqual(self.query("SELECT state, count(*) FROM jobs GROUP BY state"),
                         [("succeeded", self.N)])
        # The stray array leaves the queue by itself (cancelled, or its tasks found no
        # job to run); none of its tasks ran a command meanwhile.
        self.wait_until("no job of this store in Slurm's queue", lambda: not self.our_arrays(), 60)
        self.assertEqual(len(self.lines("runs.log")), self.N, self.lines("runs.log"))

    def read(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def kill_first_during_sbatch(self):
        self.freeze()
        first = self.start(".drover-1")
        self.wait_blocked(first, "the first drover")
        self.assertEqual(self.slurm_child(first.pid), "sbatch")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    def test_restart_while_the_controller_is_frozen(self):
        self.kill_first_during_sbatch()
        second = self.start(".drover-2")
        self.wait_blocked(second, "the second drover")
        self.thaw()  # the first drover's sbatch goes through now, beside the second's calls
        self.check_each_job_ran_once(second)

    def test_restart_after_the_controller_thawed(self):
        self.kill_first_during_sbatch()
        self.thaw()
        second = self.start(".drover-2")
        self.check_each_job_ran_once(second)


CANCEL_WORKFLOW = """\
    axes:
      i: [0, 1, 2, 3, 4, 5, 6, 7]
    executor: slurm
    slurm: {poll_interval: 1s}
    steps:
      hold:
        over: [i]
        run: echo partial > out.txt && sleep 300 && echo whole > out.txt
        outputs: [out.txt]
    """


class SlurmCancelTest(SlurmTest):
    def start_and_wait_running(self):
        self.write("drover.yaml", CANCEL_WORKFLOW)
        p = self.spawn_drover("run", "-q")
        self.wait_until("every job running", lambda: len(self.slurm_ids()) == 8 and
                        list(self.queued().values()).count("RUNNING") == 8 and
                        all(os.path.exists(os.path.join(d, "out.txt"))
                            for d in self.job_dirs("hold")), seconds=60)
        return p

    def test_drover_cancel_stops_the_run_and_empties_the_queue(self):
        run = self.start_and_wait_running()
        c = self.run_drover("cancel", timeout=200)
        self.assertIn("stopping the running drover", c.stdout)
        self.assertEqual(run.wait(timeout=60), 130)
        self.assertEqual(self.queued(), {}, "jobs left in Slurm's queue")
        self.assertEqual(self.query("SELECT state, count(*) FROM jobs GROUP BY state"),
                         [("cancelled", 8)])
        self.assertEqual(self.calls()["scancel"], 1, "the array is cancelled in one call")
        for d in self.job_dirs("hold"):
            self.assertFalse(os.path.exists(os.path.join(d, "out.txt")),
                             "a cancelled job left a partial output")

    def test_drover_cancel_after_drover_was_killed(self):
        run = self.start_and_wait_running()
        run.send_signal(signal.SIGKILL)
        run.wait()
        array = self.slurm_ids()[0].split("_")[0]
        c = self.run_drover("cancel", timeout=200)
        self.assertIn(f"scancel {array}\n", c.stdout)   # the array as a whole
        self.wait_until("an empty queue", lambda: self.queued() == {}, seconds=30)
        self.assertEqual(self.query("SELECT state, count(*) FROM attempts GROUP BY state"),
                         [("cancelled", 8)])


class SlurmVisibilityTest(SlurmTest):
    def read_pty(self, fd, until, seconds):
        """What drover wrote to its terminal, read until `until` appears (or it closed)."""
        seen = b""
        deadline = time.time() + seconds
        while time.time() < deadline and (until is None or until not in seen):
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: drover closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
        return seen

    def test_status_line_show_and_the_files_that_stay(self):
        # On a terminal the status line counts queued and running Slurm jobs apart;
        # `drover show` names each attempt's Slurm job; the batch script and Slurm's log
        # of the array stay in .drover/slurm/ after the run.
        go = os.path.join(self.dir, "go")
        self.write("drover.yaml", f"""\
            axes: {{i: [0, 1, 2, 3]}}
            executor: slurm
            slurm: {{poll_interval: 1s, array_throttle: 2}}
            steps:
              hold:
                over: [i]
                run: while [ ! -e {go} ]; do sleep 0.1; done; echo {{i}} > out.txt
                outputs: [out.txt]
            """)
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        env = dict(os.environ, TERM="xterm", **self.env)
        env.pop("NO_COLOR", None)
        p = subprocess.Popen([self.drover_bin(), "run"], cwd=self.dir, env=env,
                             stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                             start_new_session=True)
        os.close(slave)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        want = b"2 queued, 2 running on slurm"
        seen = self.read_pty(master, want, 120)
        self.assertIn(want, seen, seen[-2000:])
        with open(go, "w"):
            pass
        seen += self.read_pty(master, None, 120)
        self.assertEqual(p.wait(timeout=60), 0, seen[-2000:])
        self.assertIn(b"4 ran", seen)
        ids = self.slurm_ids()
        self.assertEqual(len(ids), 4)
        show = self.run_drover("show", "hold/i=0").stdout
        handle = self.query("SELECT a.handle FROM attempts a JOIN jobs j ON j.id=a.job_id "
                            "WHERE j.name='hold/i=0'")[0][0]
        self.assertIn("slurm job " + handle[len("slurm:"):] + " ", show)
        array = ids[0].split("_")[0]
        left = sorted(os.listdir(os.path.join(self.dir, ".drover", "slurm")))
        self.assertEqual(left, [array + ".log", array + ".sh"])


class SlurmLeaderboardTest(SlurmTest):
    # Restricted to keep CI time down; the full study runs the same way.
    SETS = ["--set", "seed=0", "--set", "task=wine,digits", "--set", "fraction=0.25"]

    def copy_example(self, name):
        dest = os.path.join(self.dir, name)
        shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".drover", "results"))
        with open(os.path.join(dest, "drover.yaml"), "a") as f:
            f.write("slurm: {poll_interval: 1s}\n")
        return dest

    def table(self, folder, *extra):
        p = subprocess.run([self.drover_bin(), "--store", folder, "run", "-q",
                            os.path.join(folder, "drover.yaml"), *self.SETS, *extra],
                           cwd=folder, capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, **self.env))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # 2 tasks x 3 models trained and evaluated, 2 ensembles: all ran here.
        self.assertIn("drover: 14 jobs: 14 ran, 0 reused", p.stdout)
        with open(os.path.join(folder, "results", "table.md")) as f:
            return f.read()

    def test_same_table_on_slurm_as_locally(self):
        local = self.table(self.copy_example("local"))
        self.assertEqual(self.calls()["sbatch"], 0)
        slurm = self.table(self.copy_example("slurm"), "--executor", "slurm")
        self.assertGreater(self.calls()["sbatch"], 0)
        self.assertIn("Ensemble All", slurm)  # the ensemble row, as labels: shows it
        self.assertEqual(slurm, local)
        attempts = self.query_store(os.path.join(self.dir, "slurm"),
                                   "SELECT executor, count(*) FROM attempts GROUP BY executor")
        self.assertEqual(attempts, [("slurm", 14)])

    def query_store(self, folder, sql):
        with sqlite3.connect(os.path.join(folder, ".drover", "drover.db")) as c:
            return c.execute(sql).fetchall()


if __name__ == "__main__":
    unittest.main()
