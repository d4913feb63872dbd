"""Crash safety: drover killed with SIGKILL at random moments, again and again, then
resumed; no job's command runs twice to completion and every result is present. Job
wrappers killed under a running drover (the OOM killer, an admin) leave no command
running into the retry; a full disk is named as such."""
import collections
import os
import random
import signal
import subprocess
import time
import unittest

from harness import DROVER, DroverTest

N_A, N_B = 15, 10   # 150 work jobs + 150 check jobs + 15 gathers = 315 jobs
# The work jobs sleep 0.10-0.19 s, 4 at a time: about 5 s of running in all, so that the
# run is still going after the first kills however fast the machine dispatches.

WORKFLOW = f"""\
name: crash
axes:
  a: [{", ".join(str(i) for i in range(N_A))}]
  b: [{", ".join(str(i) for i in range(N_B))}]
steps:
  work:
    over: [a, b]
    run: sleep 0.1$(( ({{a}} * 7 + {{b}} * 3) % 10 )) && echo {{a}}-{{b}} > out.txt && echo work {{a}} {{b}} >> "$DROVER_WORKDIR/done.log" && echo '{{{{"name":"v","value":'{{b}}.{{a}}'}}}}' >> "$DROVER_METRICS"
    outputs: [out.txt]
  check:
    over: [a, b]
    run: cp {{work.out.txt}} copy.txt && echo check {{a}} {{b}} >> "$DROVER_WORKDIR/done.log"
    outputs: [copy.txt]
  gather:
    over: [a]
    run: cat {{check.copy.txt...}} > all.txt && echo gather {{a}} >> "$DROVER_WORKDIR/done.log"
    outputs: [all.txt]
"""


class CrashTest(DroverTest):
    def test_sigkill_at_random_moments_then_resume(self):
        self.write("drover.yaml", WORKFLOW)
        rng = random.Random(int(os.environ.get("DROVER_CRASH_SEED", "20261123")))
        kills = 0
        deadline = time.time() + 240
        while kills < 25 and time.time() < deadline:
            p = self.spawn("run", "-j", "4", "-q")
            time.sleep(rng.uniform(0.05, 0.6))
            if p.poll() is not None:
                break  # finished before we could kill it
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            kills += 1
        self.assertGreater(kills, 5, "the run finished too fast to be killed often")
        final = self.drover("run", "-j", "4", "-q")
        self.assertIn("0 FAILED" if " FAILED" in final.stdout else "drover:", final.stdout)
        done = self.lines("done.log")
        counts = collections.Counter(done)
        twice = [k for k, n in counts.items() if n > 1]
        self.assertEqual(twice, [], f"jobs that completed more than once: {twice}")
        self.assertEqual(len(counts), N_A * N_B * 2 + N_A, "some jobs never completed")
        states = self.query("SELECT state, count(*) FROM jobs GROUP BY state")
        self.assertEqual(states, [("succeeded", N_A * N_B * 2 + N_A)])
        # Every result is present and correct.
        for a in range(N_A):
            d = self.query("SELECT dir FROM jobs WHERE name=?", f"gather/a={a}")[0][0]
            with open(os.path.join(self.dir, d, "all.txt")) as f:
                self.assertEqual(f.read().split(), [f"{a}-{b}" for b in range(N_B)])
        vals = self.query("SELECT count(*) FROM metrics WHERE name='v'")
        self.assertEqual(vals[0][0], N_A * N_B)
        # Nothing is left marked running, and a further run reuses everything.
        self.assertEqual(self.query("SELECT count(*) FROM attempts WHERE state='running'"),
                         [(0,)])
        again = self.drover("run", "-q")
        self.assertIn(f"0 ran, {N_A * N_B * 2 + N_A} reused", again.stdout)
        print(f"killed drover {kills} times; {len(done)} completions, none repeated")


N_WRAPPED = 6

# Attempt 1 sleeps long in a subshell (a grandchild of the wrapper, which outlives the
# job's shell), attempt 2 briefly: a ghost of attempt 1 would write after attempt 2's
# outputs were hashed.
WRAPPER_WORKFLOW = f"""\
name: wrapped
axes:
  i: [{", ".join(str(i) for i in range(N_WRAPPED))}]
steps:
  work:
    over: [i]
    run: (sleep $(( 4 - 3 * (DROVER_ATTEMPT > 1) )) && echo {{i}}-$DROVER_ATTEMPT > out.txt && echo {{i}} $DROVER_ATTEMPT >> "$DROVER_WORKDIR/counter.log")
    outputs: [out.txt]
    retries: 2
"""


def script_of(job_dir):
    """The text of a job folder's command.sh ("" when it cannot be read)."""
    try:
        with open(os.path.join(job_dir, "command.sh"), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def processes_in(folder):
    """(pid, name, cwd) of the live processes whose working directory is in `folder`."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        state = stat[stat.rfind(")") + 2]
        if state not in "ZXx" and (cwd == folder or cwd.startswith(folder + "/")):
            with open(f"/proc/{pid}/comm") as f:
                out.append((int(pid), f.read().strip(), cwd))
    return out


class KilledWrapperTest(DroverTest):
    def test_killed_wrappers_leave_no_command_running_into_the_retry(self):
        self.write("drover.yaml", WRAPPER_WORKFLOW)
        jobs = os.path.realpath(os.path.join(self.dir, ".drover", "jobs"))
        p = subprocess.Popen([DROVER, "run", "-j", str(N_WRAPPED), "-q"], cwd=self.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        killed = set()  # job folders whose first wrapper we killed
        deadline = time.time() + 60
        while len(killed) < N_WRAPPED and time.time() < deadline and p.poll() is None:
            for pid, name, folder in processes_in(jobs):
                if name == "drover-job" and folder not in killed:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(folder)
            time.sleep(0.05)
        out, _ = p.communicate(timeout=120)
        self.assertEqual(len(killed), N_WRAPPED, "could not kill every job's first wrapper")
        self.assertEqual(p.returncode, 0, out)
        # What a ghost of attempt 1 would do, it would have done by now.
        time.sleep(4.5)
        self.assertEqual(processes_in(jobs), [], "processes of killed attempts still running")
        for i in range(N_WRAPPED):
            name = f"work/i={i}"
            states = [(n, s) for n, s, *_ in self.attempts(name)]
            self.assertEqual(states, [(1, "lost"), (2, "succeeded")], name)
            reason = self.attempts(name)[0][4]
            self.assertIn("lost: the job wrapper was killed by signal 9", reason)
            d = self.query("SELECT dir FROM jobs WHERE name=?", name)[0][0]
            out_txt = os.path.join(self.dir, d, "out.txt")
            with open(out_txt) as f:
                self.assertEqual(f.read(), f"{i}-2\n", f"{name}: out.txt is not the last attempt's")
            (size, mtime), = self.query("SELECT size, mtime_ns FROM artifacts WHERE path=?",
                                        os.path.join(d, "out.txt"))
            st = os.stat(out_txt)
            self.assertEqual((st.st_size, st.st_mtime_ns), (size, mtime),
                             f"{name}: out.txt was written after it was hashed")
        # Each job's command wrote once, in its last attempt: the killed ones never did.
        self.assertEqual(sorted(self.lines("counter.log")),
                         sorted(f"{i} 2" for i in range(N_WRAPPED)))

    def test_restart_kills_what_a_dead_wrapper_left_and_retries(self):
        # drover and the wrapper both die while the command runs, before drover had
        # recorded the wrapper's pid: the next drover must neither take the attempt
        # for one it never started nor let its command run on beside the retry.
        self.write("drover.yaml", WRAPPER_WORKFLOW.replace(
            f"i: [{', '.join(str(i) for i in range(N_WRAPPED))}]", "i: [0]"))
        jobs = os.path.realpath(os.path.join(self.dir, ".drover", "jobs"))
        p = self.spawn("run", "-q")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wrapper = None
        deadline = time.time() + 30
        while wrapper is None and time.time() < deadline:
            found = [(pid, cwd) for pid, name, cwd in processes_in(jobs) if name == "drover-job"]
            if found and "# drover-job: attempt" in script_of(found[0][1]):
                wrapper = found[0][0]  # the command has started: its record is written
            time.sleep(0.02)
        self.assertIsNotNone(wrapper, "the job never started")
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        os.kill(wrapper, signal.SIGKILL)
        with self.db() as c:
            c.execute("UPDATE attempts SET handle=''")
        r = self.drover("run", "-q")
        states = [(n, s) for n, s, *_ in self.attempts("work/i=0")]
        self.assertEqual(states, [(1, "lost"), (2, "succeeded")], r.stdout)
        reason = self.attempts("work/i=0")[0][4]
        self.assertIn("lost: no job wrapper holds the lock and there is no status.json", reason)
        self.assertIn("still running", reason)
        time.sleep(4.5)  # what attempt 1's command would have done, it would have done
        self.assertEqual(processes_in(jobs), [])
        self.assertEqual(self.lines("counter.log"), ["0 2"])


class DiskFullTest(DroverTest):
    def test_a_full_disk_is_named_and_the_attempt_is_known_to_have_run(self):
        jobs = os.path.join(self.dir, ".drover", "jobs")
        os.makedirs(jobs)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", jobs],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a small tmpfs (needs root): {mounted.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", "-l", jobs])
        self.write("drover.yaml", """\
            name: full
            steps:
              fill:
                run: echo started; cat /dev/zero > fill 2>/dev/null; true
            """)
        r = self.drover("run", check=False)
        self.assertNotEqual(r.returncode, 0)
        want = ("the job wrapper could not record how the attempt ended: "
                "cannot write status.json: no space left on device (errno 28)")
        self.assertIn(want, r.stdout + r.stderr)
        self.assertNotIn("errno 5)", r.stdout + r.stderr)
        (number, state, _, _, reason), = self.attempts("fill")
        self.assertEqual((state, reason), ("lost", want))


if __name__ == "__main__":
    unittest.main()
