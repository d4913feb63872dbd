"""Crash safety: drover killed with SIGKILL at random moments, again and again, then
resumed; no job's command runs twice to completion and every result is present."""
import collections
import os
import random
import signal
import time
import unittest

from harness import DroverTest

N_A, N_B = 15, 10   # 150 work jobs + 150 check jobs + 15 gathers = 315 jobs

WORKFLOW = f"""\
name: crash
axes:
  a: [{", ".join(str(i) for i in range(N_A))}]
  b: [{", ".join(str(i) for i in range(N_B))}]
steps:
  work:
    over: [a, b]
    run: sleep 0.0$(( ({{a}} * 7 + {{b}} * 3) % 10 )) && echo {{a}}-{{b}} > out.txt && echo work {{a}} {{b}} >> "$DROVER_WORKDIR/done.log" && echo '{{{{"name":"v","value":'{{b}}.{{a}}'}}}}' >> "$DROVER_METRICS"
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


if __name__ == "__main__":
    unittest.main()
