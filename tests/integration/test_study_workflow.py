"""Studies in workflows: trials as real jobs, pruning with real processes, segments,
chained and warm-started studies, failures, and a study resumed after SIGKILL."""
import json
import os
import signal
import statistics
import time
import unittest

from harness import DroverTest

# A trial: objective (x - 1)^2 + k, reported epoch by epoch. Appends its trial
# number and params to runs.log (one line per run of the command).
TRIAL = r"""
import json, os, sys, time
import drover
p = drover.params()
x = float(p["x"])
epochs = int(os.environ.get("EPOCHS", "1"))
sleep = float(os.environ.get("SLEEP", "0"))
ignore_prune = os.environ.get("IGNORE_PRUNE") == "1"
with open(os.path.join(os.environ["DROVER_WORKDIR"], "runs.log"), "a") as f:
    f.write(json.dumps({"trial": int(os.environ["DROVER_TRIAL"]), "params": p,
                        "argv": sys.argv[1:], "study": os.environ["DROVER_STUDY"]}) + "\n")
if x > float(os.environ.get("FAIL_ABOVE", "1e9")):
    sys.exit(3)
for e in range(epochs):
    loss = (x - 1) ** 2 + 1.0 / (e + 1)
    drover.log(step=e, loss=loss)
    time.sleep(sleep)
    if drover.should_prune() and not ignore_prune:
        sys.exit(0)
drover.log(loss=(x - 1) ** 2)
"""


class StudyWorkflowTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.write("trial.py", TRIAL)

    def runs(self):
        return [json.loads(l) for l in self.lines("runs.log")]

    def trials(self, study):
        return self.query("SELECT t.number, t.state, t.value, t.params, t.job_id, "
                          "t.intermediate FROM trials t JOIN studies s ON s.id=t.study_id "
                          "WHERE s.name=? ORDER BY t.number", study)

    def test_trials_are_jobs_and_best_params_feed_the_next_step(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space:
                    x: {type: float, low: -3, high: 3}
                    tag: {type: categorical, choices: ["a b", "it's", "$(echo no)"]}
                  sampler: {name: tpe, n_startup_trials: 3}
                  metric: loss
                  trials: 8
                  parallel: 2
                run: python3 trial.py {x} {tag}
              final:
                run: python3 -c 'import sys; open("best.txt", "w").write(sys.argv[1] + "|" + sys.argv[2])' {tune.best.x} {tune.best.tag}
                outputs: [best.txt]
            """)
        self.drover("run", "-j", "2")
        rows = self.trials("w:tune")
        self.assertEqual([r[0] for r in rows], list(range(8)))
        self.assertTrue(all(r[1] == "complete" for r in rows), rows)
        self.assertEqual(len({r[4] for r in rows}), 8, "one job per trial")
        runs = self.runs()
        self.assertEqual(sorted(r["trial"] for r in runs), list(range(8)))
        for r in runs:  # params reach the command, quoted, and $DROVER_PARAMS, typed
            params = json.loads(rows[r["trial"]][3])
            self.assertEqual(r["argv"][1], params["tag"])
            self.assertAlmostEqual(float(r["argv"][0]), params["x"])
            self.assertEqual(r["params"]["x"], params["x"])
            self.assertEqual(r["params"]["tag"], params["tag"])
        best = min(rows, key=lambda r: r[2])
        best_params = json.loads(best[3])
        path = self.query("SELECT a.path FROM artifacts a JOIN jobs j ON j.id=a.job_id "
                          "WHERE j.step='final'")[0][0]
        with open(os.path.join(self.dir, path)) as f:
            x, tag = f.read().split("|")
        self.assertAlmostEqual(float(x), best_params["x"])
        self.assertEqual(tag, best_params["tag"])
        # Run again: nothing runs, no new trial.
        self.drover("run", "-j", "2")
        self.assertEqual(len(self.trials("w:tune")), 8)
        self.assertEqual(len(self.runs()), 8)
        # The service sees the workflow's study.
        best_cli = json.loads(self.drover("study", "best", "w:tune").stdout)
        self.assertEqual(best_cli["number"], best[0])
        # `drover show` gives a trial job's trial and what ran, with the values filled in.
        job = self.query("SELECT name FROM jobs WHERE id=?", best[4])[0][0]
        shown = self.drover("show", job).stdout
        self.assertIn(f"trial    w:tune #{best[0]} complete value=", shown)
        shown_params = json.loads(shown.split("\nparams   ", 1)[1].split("\n", 1)[0])
        self.assertEqual(shown_params, best_params, "a trial job shows the trial's parameters")
        self.assertRegex(shown, r"\nran      python3 \S*trial\.py -?[0-9]")
        self.assertIn("ran      python3 -c", self.drover("show", "final").stdout)
        # Its trials are the workflow's jobs: the service does not hand out more.
        asked = self.drover("study", "ask", "w:tune", check=False)
        self.assertEqual(asked.returncode, 2)
        self.assertIn("belongs to a workflow's study step", asked.stderr)
        self.assertEqual(len(self.trials("w:tune")), 8)

    def test_pruning_stops_bad_trials_with_real_processes(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -4, high: 6}}
                  sampler: random
                  pruner: {name: asha, min_resource: 1, reduction_factor: 2}
                  metric: loss
                  trials: 10
                  parallel: 2
                  seed: 3
                run: python3 trial.py {x}
                grace: 1s
                env: {EPOCHS: "12", SLEEP: "0.15", IGNORE_PRUNE: "{ignore}"}
            """.replace("{ignore}", "0"))
        self.drover("run", "-j", "2")
        rows = self.trials("w:tune")
        states = [r[1] for r in rows]
        self.assertEqual(len(rows), 10)
        self.assertIn("pruned", states, rows)
        self.assertIn("complete", states)
        self.assertNotIn("failed", states)
        for number, state, value, params, job_id, inter in rows:
            steps = len(json.loads(inter))
            if state == "pruned":
                self.assertLess(steps, 12, "a pruned trial stops early")
                self.assertIsNone(value)
            else:
                self.assertEqual(steps, 12)
        # Pruned trials are not failures: every job succeeded.
        jobs = self.query("SELECT state FROM jobs WHERE step='tune'")
        self.assertEqual({j[0] for j in jobs}, {"succeeded"})
        events = self.query("SELECT count(*) FROM events WHERE kind='pruned'")[0][0]
        self.assertEqual(events, states.count("pruned"))

    def test_asha_decides_at_the_rung_however_fast_the_epochs(self):
        # Epochs of no time at all: a trial waits at each rung (drover.should_prune) until
        # drover has read its step, so a pruned trial stops at a rung, never past it.
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -4, high: 6}}
                  sampler: random
                  pruner: {name: asha, min_resource: 1, reduction_factor: 2}
                  metric: loss
                  trials: 10
                  parallel: 2
                  seed: 3
                run: python3 trial.py {x}
                env: {EPOCHS: "40"}
            """)
        self.drover("run", "-j", "2")
        rows = self.trials("w:tune")
        pruned = [r for r in rows if r[1] == "pruned"]
        self.assertTrue(pruned, rows)
        for r in pruned:
            last = max(step for step, _ in json.loads(r[5]))
            self.assertIn(last, {1, 2, 4, 8, 16, 32}, f"trial {r[0]} pruned past a rung: {r}")
        # `drover study trials` shows how far each pruned trial got and its last value.
        csv = self.drover("study", "trials", "w:tune", "--format", "csv").stdout.splitlines()
        for r in pruned:
            fields = csv[1 + r[0]].split(",")
            inter = dict((s, v) for s, v in json.loads(r[5]))
            last = max(inter)
            self.assertEqual(fields[1:4], ["pruned", "", str(last)])
            self.assertAlmostEqual(float(fields[4]), inter[last])

    def test_median_pruner_stops_a_fast_trial_at_the_step_it_judged(self):
        # Epochs of no time at all: the median pruner judges steps 3, 5, 7, ... once two
        # trials completed; drover writes the next of them to the trial's control file and
        # drover.should_prune() waits there until drover has read it, so a pruned trial's
        # last step is the one judged, not a polling interval later.
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -4, high: 6}}
                  sampler: random
                  pruner: {name: median, n_startup_trials: 2, n_warmup_steps: 3, interval_steps: 2}
                  metric: loss
                  trials: 12
                  parallel: 1
                  seed: 5
                run: python3 trial.py {x}
                env: {EPOCHS: "40"}
            """)
        self.drover("run", "-j", "1")
        rows = self.trials("w:tune")
        pruned = [r for r in rows if r[1] == "pruned"]
        self.assertTrue(pruned, rows)
        for r in pruned:
            steps = dict((s, v) for s, v in json.loads(r[5]))
            # Where the rule prunes it: the first judged step at which its best value so far
            # is worse than the median of what the trials completed before it reported there.
            done = [dict((s, v) for s, v in json.loads(o[5]))
                    for o in rows if o[0] < r[0] and o[1] == "complete"]
            self.assertGreaterEqual(len(done), 2, r)
            judged = None
            for s in range(3, 40, 2):
                if s not in steps:
                    break
                best = min(v for k, v in steps.items() if k <= s)
                if best > statistics.median(d[s] for d in done if s in d):
                    judged = s
                    break
            self.assertIsNotNone(judged, f"trial {r[0]} pruned where the rule keeps it: {r}")
            self.assertEqual(max(steps), judged, f"trial {r[0]} ran past the step judged: {r}")

    def test_a_trial_that_ignores_prune_is_stopped_after_grace(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -4, high: 6}}
                  sampler: random
                  pruner: {name: asha, min_resource: 1, reduction_factor: 4}
                  metric: loss
                  trials: 8
                  parallel: 2
                  seed: 3
                run: python3 trial.py {x}
                grace: 1s
                env: {EPOCHS: "40", SLEEP: "0.1", IGNORE_PRUNE: "1"}
            """)
        self.drover("run", "-j", "2")
        rows = self.trials("w:tune")
        pruned = [r for r in rows if r[1] == "pruned"]
        self.assertTrue(pruned, rows)
        for r in pruned:
            # Pruned at a rung (step 16 at the latest), stopped about 1 s later.
            self.assertLess(len(json.loads(r[5])), 40, "stopped by drover, not run to the end")

    def test_segments_one_study_each_and_fair_sharing(self):
        self.write("drover.yaml", """\
            name: w
            axes: {data: [d1, d2, d3]}
            steps:
              tune:
                study:
                  space: {x: {type: int, low: -5, high: 5}}
                  sampler: qmc
                  metric: loss
                  trials: 4
                  segments: [data]
                run: python3 trial.py {x}
              final:
                over: [data]
                run: echo {data} {tune.best.x} > best.txt
                outputs: [best.txt]
            """)
        self.drover("run", "-j", "2")
        for d in ["d1", "d2", "d3"]:
            rows = self.trials(f"w:tune/data={d}")
            self.assertEqual([r[1] for r in rows], ["complete"] * 4)
        # Fair: the first trials started went round the segments. (The order in which the
        # engine bound them, not the order of runs.log: under load a trial's Python may
        # write its line after a later trial's does.)
        first = [r[0] for r in self.query("SELECT s.name FROM trials t JOIN studies s ON s.id=t.study_id "
                                          "ORDER BY t.started, t.rowid LIMIT 3")]
        self.assertEqual(sorted(first), ["w:tune/data=d1", "w:tune/data=d2", "w:tune/data=d3"])
        self.assertEqual(len(self.query("SELECT * FROM jobs WHERE step='final' AND "
                                        "state='succeeded'")), 3)

    def test_segments_draw_independently(self):
        self.write("drover.yaml", """\
            name: w
            axes: {data: [d1, d2, d3]}
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  sampler: random
                  metric: loss
                  trials: 2
                  segments: [data]
                  seed: 7
                run: python3 trial.py {x}
            """)
        self.drover("run", "-j", "2")
        firsts = {d: json.loads(self.trials(f"w:tune/data={d}")[0][3])["x"]
                  for d in ["d1", "d2", "d3"]}
        self.assertEqual(len(set(firsts.values())), 3, firsts)

    def test_failed_trials_are_recorded_and_the_study_goes_on(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  sampler: random
                  metric: loss
                  trials: 8
                  seed: 1
                run: python3 trial.py {x}
                env: {FAIL_ABOVE: "0"}
              final:
                run: echo {tune.best.x} > best.txt
            """)
        p = self.drover("run", "-j", "2", check=False)
        rows = self.trials("w:tune")
        failed = [r for r in rows if r[1] == "failed"]
        self.assertTrue(failed, "some of 8 draws in [-3, 3] are above 0")
        self.assertTrue(all(json.loads(r[3])["x"] > 0 for r in failed))
        self.assertTrue(all(json.loads(r[3])["x"] <= 0 for r in rows if r[1] == "complete"))
        self.assertEqual(p.returncode, 1)  # a job failed
        self.assertEqual(self.job_state("final"), "succeeded")

    def test_missing_objective_fails_the_trial_with_a_reason(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: 0, high: 1}}
                  metric: accuracy
                  trials: 2
                run: python3 trial.py {x}
            """)
        p = self.drover("run", "-j", "1", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("logged no 'accuracy' metric (its objective) but loss", p.stdout + p.stderr)
        self.assertEqual([r[1] for r in self.trials("w:tune")], ["failed", "failed"])

    def test_a_running_trial_is_told_by_its_job_not_by_hand_unless_forced(self):
        # Each trial waits (60 s at most) for go-N before logging loss = x.
        self.write("wait.py", """\
            import os, sys, time
            import drover
            n = os.environ["DROVER_TRIAL"]
            go = os.path.join(os.environ["DROVER_WORKDIR"], "go-" + n)
            end = time.time() + 60
            while not os.path.exists(go) and time.time() < end:
                time.sleep(0.05)
            drover.log(loss=float(sys.argv[1]))
            """)
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: 1, high: 2}}
                  sampler: random
                  metric: loss
                  trials: 2
                  parallel: 1
                run: python3 wait.py {x}
            """)
        p = self.spawn("run", "-j", "1")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        end = time.time() + 60
        while time.time() < end and not self.query_when_ready(
                "SELECT 1 FROM trials WHERE number=0 AND state='running'"):
            time.sleep(0.05)
        told = self.drover("study", "tell", "w:tune", "0", "0.5", check=False)
        self.assertEqual(told.returncode, 2)
        self.assertIn("trial 0 runs as a job of a workflow", told.stderr)
        self.assertIn("add --force", told.stderr)
        reported = self.drover("study", "report", "w:tune", "0", "1", "0.5", check=False)
        self.assertEqual(reported.returncode, 2)
        self.assertEqual(self.trials("w:tune")[0][1:3], ("running", None))
        self.drover("study", "tell", "w:tune", "0", "0.25", "--force")
        self.write("go-0", "")
        self.write("go-1", "")
        self.assertEqual(p.wait(timeout=120), 0)
        rows = self.trials("w:tune")
        # Trial 0 keeps the value told by hand; its job's own loss (x >= 1) is not written over it.
        self.assertEqual(rows[0][1:3], ("complete", 0.25))
        self.assertEqual(rows[1][1], "complete")
        self.assertEqual(rows[1][2], json.loads(rows[1][3])["x"])
        best = json.loads(self.drover("study", "best", "w:tune").stdout)
        self.assertEqual(best["value"], 0.25)

    def test_warm_start_from_an_earlier_study(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              coarse:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  sampler: random
                  metric: loss
                  trials: 5
                run: python3 trial.py {x}
              fine:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  metric: loss
                  trials: 3
                  warm_start: coarse
                run: python3 trial.py {x}
            """)
        self.drover("run", "-j", "2")
        coarse = self.trials("w:coarse")
        fine = self.trials("w:fine")
        self.assertEqual(len(fine), 8)
        self.assertEqual([json.loads(r[3]) for r in fine[:5]], [json.loads(r[3]) for r in coarse])
        self.assertTrue(all(r[4] is None for r in fine[:5]), "warm-start trials ran no job")

    def test_a_warm_start_that_names_nothing_is_refused_before_anything_is_created(self):
        self.write("drover.yaml", """\
            name: w
            axes: {c: [a, b]}
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  metric: loss
                  trials: 2
                  segments: [c]
                  warm_start: nosuch
                run: python3 trial.py {x}
            """)
        for args in (["run", "--dry-run"], ["run"]):
            r = self.drover(*args, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("warm_start: 'nosuch' is neither a study step of this workflow nor a study "
                          "in the store", r.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM studies")[0][0], 0, "a study was left behind")
        self.assertEqual(self.runs(), [], "a trial ran")
        # A stored study of that name makes it valid.
        self.drover("study", "create", "nosuch", "--space", self.write("space.json",
                    '{"x": {"type": "float", "low": -3, "high": 3}}'))
        self.drover("run", "--dry-run")

    def test_a_warm_start_with_an_axis_template_is_a_spec_error(self):
        self.write("drover.yaml", """\
            name: w
            axes: {c: [a, b]}
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  trials: 2
                  segments: [c]
                  warm_start: old-{c}
                run: python3 trial.py {x}
            """)
        r = self.drover("run", "--dry-run", check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("drover.yaml:9:19:", r.stderr)
        self.assertIn("without {axis} templates", r.stderr)

    def test_an_inactive_conditional_parameter_is_empty_in_trials_and_in_best(self):
        self.write("opt.py", """\
            import json, os, sys
            import drover
            p = json.loads(os.environ["DROVER_PARAMS"])
            with open(os.path.join(os.environ["DROVER_WORKDIR"], "argv.log"), "a") as f:
                f.write(json.dumps([sys.argv[1:], sorted(p)]) + "\\n")
            drover.log(loss=0.0 if p["opt"] == "adam" else 1.0 + p["momentum"])
            """)
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space:
                    opt: {type: categorical, choices: [adam, sgd]}
                    momentum: {type: float, low: 0, high: 0.5, step: 0.5, when: {opt: [sgd]}}
                  sampler: grid
                  metric: loss
                run: python3 opt.py --opt {opt} --momentum {momentum}
              final:
                run: echo opt={tune.best.opt} momentum=[{tune.best.momentum}] > best.txt
                outputs: [best.txt]
            """)
        self.drover("run", "-j", "2")
        argv = sorted(json.loads(l) for l in self.lines("argv.log"))
        self.assertEqual(argv, [[["--opt", "adam", "--momentum", ""], ["opt"]],
                                [["--opt", "sgd", "--momentum", "0"], ["momentum", "opt"]],
                                [["--opt", "sgd", "--momentum", "0.5"], ["momentum", "opt"]]])
        (d,) = self.query("SELECT dir FROM jobs WHERE step='final'")[0]
        with open(os.path.join(self.dir, d, "best.txt")) as f:
            self.assertEqual(f.read(), "opt=adam momentum=[]\n")

    def test_changed_definition_under_the_same_name_is_refused(self):
        text = """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: HIGH}}
                  metric: loss
                  trials: 1
                run: python3 trial.py {x}
            """
        self.write("drover.yaml", text.replace("HIGH", "3"))
        self.drover("run")
        self.write("drover.yaml", text.replace("HIGH", "4"))
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("already holds study 'w:tune' with another search space;", p.stderr)
        self.assertIn("name:", p.stderr)
        # A dry run says the same, rather than forecasting a run that would be refused.
        p = self.drover("run", "--dry-run", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("already holds study 'w:tune' with another search space;", p.stderr)

    def test_a_changed_objective_starts_a_new_study_and_an_undone_change_takes_the_old_back(self):
        text = """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  sampler: random
                  metric: loss
                  trials: 4
                run: python3 trial.py {x}
                env: {OFFSET: "SHIFT"}
              final:
                run: echo {tune.best.value} > best.txt
                outputs: [best.txt]
            """
        self.write("trial.py", TRIAL.replace("drover.log(loss=(x - 1) ** 2)",
                                             "drover.log(loss=(x - 1) ** 2 + float(os.environ['OFFSET']))"))
        self.write("drover.yaml", text.replace("SHIFT", "0"))
        self.drover("run", "-j", "2")
        first = self.trials("w:tune")
        self.assertEqual(len(first), 4)
        self.assertTrue(all(r[2] < 16 for r in first))
        # The objective moves up by 100: the old trials would win every comparison.
        self.write("drover.yaml", text.replace("SHIFT", "100"))
        p = self.drover("run", "-j", "2")
        self.assertIn("they are kept as study 'w:tune@1', and a new study starts", p.stdout)
        self.assertEqual(self.trials("w:tune@1"), first)
        fresh = self.trials("w:tune")
        self.assertEqual(len(fresh), 4)
        self.assertTrue(all(r[2] >= 100 for r in fresh), fresh)
        best = json.loads(self.drover("study", "best", "w:tune").stdout)["value"]
        self.assertGreaterEqual(best, 100)
        # Undone: the first study (and its reused trial slots) comes back under the name.
        self.write("drover.yaml", text.replace("SHIFT", "0"))
        p = self.drover("run", "-j", "2")
        self.assertIn("takes the name back", p.stdout)
        self.assertIn("0 ran, 5 reused", p.stdout + p.stderr)
        self.assertEqual(self.trials("w:tune"), first)
        self.assertEqual(self.trials("w:tune@2"), fresh)

    def test_a_trial_that_ended_before_the_prune_decision_is_complete(self):
        # Trial 1 runs all its steps, with values the median pruner prunes, while drover is
        # stopped (SIGSTOP): drover reads them only after the job ended. The job never saw a
        # prune, so the trial is complete, with its last value. (The live race, a decision
        # written in the moment between the job's end and drover learning of it, is the
        # rule EndsPruned, tested in engine_test.cc.)
        self.write("slow.py", """\
            import os, sys, time
            import drover
            trial = int(os.environ["DROVER_TRIAL"])
            if trial == 1:
                with open(os.path.join(os.environ["DROVER_WORKDIR"], "waiting"), "w"):
                    pass
                while not os.path.exists(os.path.join(os.environ["DROVER_WORKDIR"], "go")):
                    time.sleep(0.05)
            for step in range(5):
                drover.log(step=step, loss=(100.0 if trial == 1 else 1.0) + step)
            drover.log(loss=100.0 if trial == 1 else 1.0)
            """)
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  sampler: random
                  pruner: {name: median, n_startup_trials: 1, n_warmup_steps: 0}
                  metric: loss
                  trials: 2
                  parallel: 1
                run: python3 slow.py {x}
            """)
        p = self.spawn("run", "-j", "1", "-q")
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(self.dir, "waiting")) and time.time() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "waiting")), "trial 1 never started")
        os.kill(p.pid, signal.SIGSTOP)
        try:
            self.write("go", "")
            job = self.query("SELECT j.dir FROM trials t JOIN jobs j ON j.id=t.job_id WHERE t.number=1")[0][0]
            status = os.path.join(self.dir, job, "status.json")
            while not os.path.exists(status) and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(os.path.exists(status), "trial 1 never ended")
        finally:
            os.kill(p.pid, signal.SIGCONT)
        self.assertEqual(p.wait(timeout=60), 0)
        rows = self.trials("w:tune")
        self.assertEqual([(r[0], r[1], r[2]) for r in rows], [(0, "complete", 1.0), (1, "complete", 100.0)])

    def test_sigkill_mid_study_then_resume(self):
        self.write("drover.yaml", """\
            name: w
            steps:
              tune:
                study:
                  space: {x: {type: float, low: -3, high: 3}}
                  metric: loss
                  trials: 12
                  parallel: 2
                run: python3 trial.py {x}
                env: {EPOCHS: "3", SLEEP: "0.3"}
            """)
        kills = 0
        deadline = time.time() + 240
        while kills < 4 and time.time() < deadline:
            p = self.spawn("run", "-j", "2", "-q")
            time.sleep(1.5 + kills * 0.4)
            if p.poll() is not None:
                break
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            kills += 1
        self.assertGreaterEqual(kills, 2, "the study finished before it could be killed")
        self.drover("run", "-j", "2")
        rows = self.trials("w:tune")
        complete = [r for r in rows if r[1] == "complete"]
        self.assertEqual(len(complete), 12, rows)
        self.assertEqual(len({r[4] for r in complete}), 12, "one complete trial per slot")
        self.assertFalse([r for r in rows if r[1] == "running"])
        runs = [r["trial"] for r in self.runs()]
        # Every trial ran exactly once: jobs running at a kill were adopted, finished
        # trials were reused, and a slot cut off before its start kept its trial.
        self.assertEqual(sorted(runs), sorted(r[0] for r in rows))
        self.assertEqual(len(runs), len(set(runs)), "no trial ran twice")
        print(f"killed drover {kills} times; {len(rows)} trials, {len(runs)} trial runs")
        # Nothing to do on a further run.
        self.drover("run", "-j", "2")
        self.assertEqual(len(self.trials("w:tune")), len(rows))


if __name__ == "__main__":
    unittest.main()
