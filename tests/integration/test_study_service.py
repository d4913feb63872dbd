"""The `drover study` service through the real CLI and a real SQLite file: the
commands, their errors, and many processes asking and telling on one study at once."""
import json
import os
import subprocess
import unittest

from harness import DROVER, DroverTest

SPACE = """
{"x": {"type": "float", "low": -5, "high": 5},
 "n": {"type": "int", "low": 1, "high": 8},
 "act": {"type": "categorical", "choices": ["relu", "tanh"]}}
"""

# One worker process: asks and tells `count` trials through separate drover calls.
WORKER = r"""
import json, subprocess, sys
drover, root, study, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
told = []
for _ in range(count):
    p = subprocess.run([drover, "--store", root, "study", "ask", study],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("ask failed: " + p.stderr)
    t = json.loads(p.stdout)
    x = t["params"]["x"]
    if t["number"] % 7 == 3:
        args = ["--pruned"]
    else:
        args = [repr(x * x)]
    p = subprocess.run([drover, "--store", root, "study", "tell", study, str(t["number"]), *args],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("tell failed: " + p.stderr)
    told.append(t["number"])
print(json.dumps(told))
"""


class StudyServiceTest(DroverTest):
    def create(self, name="s", *extra):
        self.write("space.json", SPACE)
        return self.drover("study", "create", name, "--space", "space.json", *extra)

    def test_ask_tell_best_trials_list(self):
        self.create("s", "--sampler", "tpe", "--direction", "maximize", "--seed", "4")
        values = {}
        for k in range(12):
            t = json.loads(self.drover("study", "ask", "s").stdout)
            self.assertEqual(t["number"], k)
            self.assertTrue(-5 <= t["params"]["x"] <= 5)
            self.assertIn(t["params"]["act"], ["relu", "tanh"])
            self.assertIsInstance(t["params"]["n"], int)
            values[k] = -abs(t["params"]["x"] - 1)
            self.drover("study", "tell", "s", str(k), repr(values[k]))
        best = json.loads(self.drover("study", "best", "s").stdout)
        self.assertEqual(best["value"], max(values.values()))
        rows = json.loads(self.drover("study", "trials", "s", "--format", "json").stdout)
        self.assertEqual([r["number"] for r in rows], list(range(12)))
        self.assertTrue(all(r["state"] == "complete" for r in rows))
        csv = self.drover("study", "trials", "s", "--format", "csv").stdout.splitlines()
        self.assertEqual(csv[0], "number,state,value,last_step,last_value,act,n,x")
        self.assertEqual(len(csv), 13)
        text = self.drover("study", "trials", "s").stdout
        self.assertIn("complete", text)
        listing = self.drover("study", "list").stdout
        self.assertRegex(listing, r"s\s+maximize\s+12\s+0\s+0\s+0")

    def test_report_prunes_a_bad_trial(self):
        self.create("p", "--sampler", "random", "--pruner", "asha",
                    "--pruner-options", '{"min_resource": 1, "reduction_factor": 2}')
        for k in range(2):
            self.drover("study", "ask", "p")
            for step in range(4):
                self.assertEqual(self.drover("study", "report", "p", str(k), str(step),
                                             str(1.0 / (step + 1))).stdout.strip(), "continue")
            self.drover("study", "tell", "p", str(k), "0.25")
        self.drover("study", "ask", "p")
        out = self.drover("study", "report", "p", "2", "1", "50").stdout.strip()
        self.assertEqual(out, "prune")
        self.drover("study", "tell", "p", "2", "--pruned")
        rows = json.loads(self.drover("study", "trials", "p", "--format", "json").stdout)
        self.assertEqual(rows[2]["state"], "pruned")
        self.assertEqual(rows[2]["intermediate"], [[1, 50.0]])
        # The table says how far a pruned trial got: its last step and the value it reported.
        csv = self.drover("study", "trials", "p", "--format", "csv").stdout.splitlines()
        self.assertTrue(csv[3].startswith("2,pruned,,1,50,"), csv)
        self.assertTrue(csv[1].startswith("0,complete,0.25,3,0.25,"), csv)
        text = self.drover("study", "trials", "p").stdout.splitlines()
        self.assertRegex(text[0], r"^number\s+state\s+value\s+last step\s+last value")
        self.assertRegex(text[3], r"^\s*2\s+pruned\s+1\s+50\s")

    def test_space_file_mistakes_name_the_line_with_a_caret(self):
        # A YAML syntax error, as in a workflow: file:line:col, the line, a caret under it.
        self.write("bad.yaml", "x: {type: float, low: 0, high: 1}\n"
                               "y: {type: float \"low\": 0}\n")
        p = self.drover("study", "create", "s", "--space", "bad.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        lines = p.stderr.splitlines()
        self.assertRegex(lines[0], r"bad\.yaml:2:\d+: error: YAML syntax error")
        self.assertEqual(lines[1].strip(), 'y: {type: float "low": 0}')
        self.assertEqual(lines[2].strip(), "^")
        # when: under a numeric parent says the parent must be categorical, at its line.
        self.write("when.yaml", "layers: {type: int, low: 1, high: 4}\n"
                                "width: {type: int, low: 8, high: 64, when: {layers: [2, 3]}}\n")
        p = self.drover("study", "create", "s", "--space", "when.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("when.yaml:2:1: error: search space: parameter 'width': when: needs a "
                      "categorical parent, and 'layers' is an int", p.stderr)
        self.assertNotIn("must be strings", p.stderr)

    def test_errors(self):
        p = self.drover("study", "ask", "nope", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no drover store", p.stderr)
        self.create("s")
        p = self.drover("study", "ask", "nope", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no study 'nope'", p.stderr)
        self.assertIn("studies: s", p.stderr)
        p = self.create_again = self.drover("study", "create", "s", "--space", "space.json",
                                            check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("already exists", p.stderr)
        self.drover("study", "ask", "s")
        for args, needle in [
            (["tell", "s", "0", "abc"], "must be a finite number"),
            (["tell", "s", "0", "nan"], "must be a finite number"),
            (["tell", "s", "0", "0x10"], "must be a finite number"),
            (["tell", "s", "0"], "give the trial's value"),
            (["tell", "s", "x", "1"], "trial number must be a whole number"),
            (["tell", "s", "5", "1"], "no trial 5"),
            (["tell", "s", "0", "1", "--pruned"], "takes no value"),
            (["tell", "s", "0", "--pruned", "--failed"], "not both"),
            (["report", "s", "0", "-1", "1"], "step must be"),
            (["trials", "s", "--format", "xml"], "--format must be"),
        ]:
            with self.subTest(args):
                p = self.drover("study", *args, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(needle, p.stderr)
        self.drover("study", "tell", "s", "0", "1.5")
        p = self.drover("study", "tell", "s", "0", "2", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("already complete", p.stderr)
        p = self.drover("study", "best", "s")
        self.assertEqual(json.loads(p.stdout)["value"], 1.5)

    def test_space_file_may_be_yaml(self):
        self.write("space.yaml", "lr: {type: float, low: 0.0001, high: 0.1, log: true}\n"
                   "act: {type: categorical, choices: [relu, tanh]}\n")
        self.drover("study", "create", "y", "--space", "space.yaml", "--seed", "3")
        t = json.loads(self.drover("study", "ask", "y").stdout)
        self.assertEqual(sorted(t["params"]), ["act", "lr"])
        self.assertIn(t["params"]["act"], ["relu", "tanh"])
        self.assertTrue(0.0001 <= t["params"]["lr"] <= 0.1)

    def test_bad_definitions_say_where(self):
        self.write("broken.json", '{"x": {"type": "float",\n  "low": 0 "high": 1}}')
        p = self.drover("study", "create", "a", "--space", "broken.json", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"broken\.json:2:\d+: error: YAML syntax error")
        self.write("inverted.json", '{\n  "lr": {"type": "float", "low": 1, "high": 0}\n}')
        p = self.drover("study", "create", "a", "--space", "inverted.json", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"inverted\.json:2:3: error: search space: parameter 'lr'")
        self.write("inverted.yaml", "layers: {type: int, low: 1, high: 4}\nlr:\n  type: float\n"
                   "  low: 1\n  high: 0\n")
        p = self.drover("study", "create", "a", "--space", "inverted.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"inverted\.yaml:2:1: error: search space: parameter 'lr'")
        self.write("space.json", SPACE)
        for args, needle in [
            (["--sampler", "bayes"], "unknown sampler 'bayes'"),
            (["--pruner", "asha", "--pruner-options", '{"eta": 3}'], "option 'eta' is unknown"),
            (["--pruner-options", "{"], "not valid JSON"),
            (["--direction", "up"], "--direction must be"),
        ]:
            with self.subTest(args):
                p = self.drover("study", "create", "a", "--space", "space.json", *args,
                                check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(needle, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover")),
                         "a refused study must leave no store behind")
        p = self.drover("study", "create", "a", "--space", "missing.json", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("missing.json", p.stderr)

    def test_many_processes_ask_and_tell_at_once(self):
        self.create("c", "--sampler", "tpe")
        workers, each = 6, 12
        self.write("worker.py", WORKER)
        procs = [subprocess.Popen(["/usr/bin/python3", "worker.py", DROVER, self.dir, "c",
                                   str(each)], cwd=self.dir, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(workers)]
        told = []
        for p in procs:
            out, err = p.communicate(timeout=600)
            self.assertEqual(p.returncode, 0, err)
            told += json.loads(out)
        self.assertEqual(len(told), workers * each)
        self.assertEqual(sorted(told), list(range(workers * each)), "numbers unique and dense")
        rows = self.query("SELECT number, state, value FROM trials t JOIN studies s "
                          "ON s.id=t.study_id WHERE s.name='c' ORDER BY number")
        self.assertEqual(len(rows), workers * each)
        self.assertFalse([r for r in rows if r[1] == "running"], "no lost tell")
        for number, state, value in rows:
            self.assertEqual(state, "pruned" if number % 7 == 3 else "complete")
            self.assertEqual(value is None, state == "pruned")


if __name__ == "__main__":
    unittest.main()
