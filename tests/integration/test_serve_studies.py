"""The study service over HTTP: a real `drover serve` on 127.0.0.1 over a real store,
driven with urllib and with drover.Client; every /api/v1/studies endpoint, many
clients at once, the CLI writing the same study from another process, bad bodies."""
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import DROVER, DroverTest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import drover  # noqa: E402

SPACE = {"x": {"type": "float", "low": -5, "high": 5},
         "n": {"type": "int", "low": 1, "high": 8},
         "act": {"type": "categorical", "choices": ["relu", "tanh"]}}


class ServeStudiesTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.server = subprocess.Popen([DROVER, "--store", self.dir, "serve", "--port", "0"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
        self.addCleanup(self.stop_server)
        line = self.read_first_line(self.server, 30)
        self.assertTrue(line.startswith("http://127.0.0.1:"), line)
        self.url = line.strip().rstrip("/")

    def stop_server(self):
        if self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=10)
        self.server.stdout.close()
        self.server.stderr.close()

    @staticmethod
    def read_first_line(proc, timeout):
        got = []
        t = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        if not got or not got[0]:
            proc.kill()
            raise AssertionError("drover serve printed no URL: " + proc.stderr.read())
        return got[0]

    def call(self, method, path, body=None, raw=None):
        """(status, JSON answer) of one request; body is JSON-encoded, raw is sent as is."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"error": text.decode("utf-8", "replace")}

    def create(self, name="s", **extra):
        status, out = self.call("POST", "/api/v1/studies",
                                {"name": name, "space": SPACE, "seed": 1, **extra})
        self.assertEqual(status, 201, out)
        return out

    def stored_trials(self, name="s"):
        return self.query("SELECT t.number, t.state, t.value FROM trials t JOIN studies s "
                          "ON s.id = t.study_id WHERE s.name = ? ORDER BY t.number", name)

    def test_trials_run_by_a_workflow_carry_their_jobs_key(self):
        self.write("trial.py", "import json, os, sys\n"
                   "with open(os.environ['DROVER_METRICS'], 'a') as f:\n"
                   "    f.write(json.dumps({'name': 'loss', 'value': float(sys.argv[1]) ** 2}) + '\\n')\n")
        self.write("drover.yaml", """\
name: w
steps:
  tune:
    study:
      space: {x: {type: float, low: -3, high: 3}}
      sampler: random
      metric: loss
      trials: 3
      seed: 1
    run: python3 trial.py {x}
""")
        self.drover("run", "-q")
        status, jobs = self.call("GET", "/api/v1/jobs?workflow=w&step=tune")
        self.assertEqual(status, 200, jobs)
        status, out = self.call("GET", "/api/v1/studies/w:tune/trials")
        self.assertEqual(status, 200, out)
        self.assertEqual(len(out["trials"]), 3)
        self.assertEqual(sorted(t["job_key"] for t in out["trials"]),
                         sorted(j["key"] for j in jobs["jobs"]))
        for t in out["trials"]:
            status, job = self.call("GET", "/api/v1/jobs/" + t["job_key"])
            self.assertEqual((status, job["step"]), (200, "tune"))
        # A trial told over HTTP runs as no job: it has neither.
        self.create("plain")
        self.assertEqual(self.call("POST", "/api/v1/studies/plain/ask")[0], 200)
        _, out = self.call("GET", "/api/v1/studies/plain/trials")
        self.assertNotIn("job_key", out["trials"][0])

    def test_every_endpoint(self):
        out = self.create("s", direction="maximize", pruner="median")
        self.assertEqual(out["name"], "s")
        self.assertEqual(out["direction"], "maximize")
        self.assertEqual(out["pruner"]["name"], "median")
        for k in range(6):
            status, t = self.call("POST", "/api/v1/studies/s/ask")
            self.assertEqual(status, 200, t)
            self.assertEqual(t["number"], k)
            self.assertEqual(set(t["params"]), {"x", "n", "act"})
            status, r = self.call("POST", f"/api/v1/studies/s/trials/{k}/report",
                                  {"step": 0, "value": 0.5})
            self.assertEqual((status, r), (200, {"prune": False}))
            status, r = self.call("POST", f"/api/v1/studies/s/trials/{k}/tell",
                                  {"value": -abs(t["params"]["x"] - 1)})
            self.assertEqual(status, 200, r)
        status, r = self.call("POST", "/api/v1/studies/s/ask")
        status, r = self.call("POST", "/api/v1/studies/s/trials/6/tell", {"state": "failed"})
        self.assertEqual(status, 200, r)
        status, listing = self.call("GET", "/api/v1/studies")
        self.assertEqual(status, 200)
        self.assertEqual([s["name"] for s in listing["studies"]], ["s"])
        self.assertEqual(listing["studies"][0]["counts"],
                         {"running": 0, "complete": 6, "pruned": 0, "failed": 1})
        status, study = self.call("GET", "/api/v1/studies/s")
        self.assertEqual(status, 200)
        values = [v for _, state, v in self.stored_trials() if state == "complete"]
        self.assertEqual(study["best"]["value"], max(values))
        self.assertEqual(sorted(study["params"]), ["act", "n", "x"])
        status, page = self.call("GET", "/api/v1/studies/s/trials?sort=value&order=desc&limit=3")
        self.assertEqual(status, 200, page)
        self.assertEqual(page["total"], 7)
        self.assertEqual([t["value"] for t in page["trials"]], sorted(values, reverse=True)[:3])
        self.assertEqual(page["trials"][0]["intermediate"], [[0, 0.5]])
        status, imp = self.call("GET", "/api/v1/studies/s/importance")
        self.assertEqual(status, 200, imp)
        self.assertEqual(imp["method"], "marginal-variance")
        self.assertEqual(sorted(p["name"] for p in imp["params"]), ["act", "n", "x"])
        # 404s and 409s
        self.assertEqual(self.call("GET", "/api/v1/studies/nope")[0], 404)
        self.assertEqual(self.call("POST", "/api/v1/studies/nope/ask")[0], 404)
        self.assertEqual(self.call("POST", "/api/v1/studies/s/trials/99/tell", {"value": 1})[0], 404)
        status, err = self.call("POST", "/api/v1/studies/s/trials/0/tell", {"value": 1})
        self.assertEqual(status, 409)
        self.assertIn("already complete", err["error"])
        self.assertEqual(self.call("POST", "/api/v1/studies", {"name": "s", "space": SPACE})[0], 409)

    def test_forty_clients_five_trials_each(self):
        self.create("c")
        results, errors = [], []

        def client(i):
            try:
                for _ in range(5):
                    status, t = self.call("POST", "/api/v1/studies/c/ask")
                    if status != 200:
                        errors.append((i, "ask", status, t))
                        return
                    status, r = self.call("POST", f"/api/v1/studies/c/trials/{t['number']}/tell",
                                          {"value": t["params"]["x"] ** 2})
                    if status != 200:
                        errors.append((i, "tell", status, r))
                        return
                    results.append(t["number"])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append((i, "exception", repr(e)))

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(40)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 240
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.assertFalse(any(t.is_alive() for t in threads), "clients still running after 240 s")
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), list(range(200)))
        rows = self.stored_trials("c")
        self.assertEqual([r[0] for r in rows], list(range(200)))
        self.assertTrue(all(state == "complete" and v is not None for _, state, v in rows))

    def test_the_cli_in_another_process_is_seen_by_the_warm_server(self):
        self.create("w")
        status, first = self.call("POST", "/api/v1/studies/w/ask")  # the server holds w warm
        self.assertEqual((status, first["number"]), (200, 0))
        # Another process asks and tells one trial, and tells the server's trial too.
        cli = json.loads(self.drover("study", "ask", "w").stdout)
        self.assertEqual(cli["number"], 1)
        self.drover("study", "tell", "w", "1", "0.75")
        self.drover("study", "tell", "w", "0", "0.5")
        status, nxt = self.call("POST", "/api/v1/studies/w/ask")
        self.assertEqual((status, nxt["number"]), (200, 2))
        status, err = self.call("POST", "/api/v1/studies/w/trials/0/tell", {"value": 9})
        self.assertEqual(status, 409, err)
        status, study = self.call("GET", "/api/v1/studies/w")
        self.assertEqual(study["counts"], {"running": 1, "complete": 2, "pruned": 0, "failed": 0})
        self.assertEqual((study["best"]["number"], study["best"]["value"]), (0, 0.5))
        self.assertEqual(self.stored_trials("w"), [(0, "complete", 0.5), (1, "complete", 0.75),
                                                   (2, "running", None)])

    def test_bad_bodies_are_4xx_and_store_nothing(self):
        self.create("b")
        status, t = self.call("POST", "/api/v1/studies/b/ask")
        self.assertEqual(status, 200)
        before = self.stored_trials("b")
        cases = [
            ("POST", "/api/v1/studies/b/trials/0/tell", b"not json", 400, "not valid JSON"),
            ("POST", "/api/v1/studies/b/trials/0/tell", b'{"value": "high"}', 400, "'value' must be a number"),
            ("POST", "/api/v1/studies/b/trials/0/tell", b'{"value": 1, "extra": 2}', 400, "unknown field 'extra'"),
            ("POST", "/api/v1/studies/b/trials/0/tell", b'{"state": "done"}', 400, "'state' must be"),
            ("POST", "/api/v1/studies/b/trials/0/report", b'{"step": "one", "value": 1}', 400, "'step'"),
            ("POST", "/api/v1/studies/b/ask", b'{"count": 3}', 400, "unknown field 'count'"),
            ("POST", "/api/v1/studies", b'{"name": "z", "space": {"x": {"type": "float", "low": 2, "high": 1}}}', 400, ""),
            ("POST", "/api/v1/studies", b'{"name": "z", "space": {}, "speed": 1}', 400, "unknown field 'speed'"),
            ("POST", "/api/v1/studies", b'{"name": 5, "space": {}}', 400, "'name'"),
            ("POST", "/api/v1/studies/b/trials/0/tell", b'{"value": ' + b"1" * (2 << 20) + b"}", 413, ""),
        ]
        for method, path, raw, want, says in cases:
            status, err = self.call(method, path, raw=raw)
            self.assertEqual(status, want, (path, raw[:60], err))
            self.assertIn(says, err.get("error", ""), (path, raw[:60]))
        self.assertEqual(self.stored_trials("b"), before)
        self.assertEqual(self.query("SELECT name FROM studies"), [("b",)])
        status, r = self.call("GET", "/api/v1/studies/b/trials?limit=zero")
        self.assertEqual(status, 400, r)
        self.assertEqual(self.call("GET", "/api/v1/studies/b/trials?colour=red")[0], 400)

    def test_client_round_trip(self):
        c = drover.Client(self.url)
        made = c.create_study("r", SPACE, sampler="random", pruner="none", seed=2)
        self.assertEqual(made["name"], "r")
        told = {}
        for _ in range(4):
            t = c.ask("r")
            self.assertFalse(c.report("r", t["number"], 0, 1.0))
            c.tell("r", t["number"], t["params"]["x"] ** 2)
            told[t["number"]] = t["params"]["x"] ** 2
        t = c.ask("r")
        c.tell("r", t["number"], state="pruned")
        best = c.best("r")
        self.assertEqual(best["value"], min(told.values()))
        trials = c.trials("r", sort="value")
        self.assertEqual([x["number"] for x in trials][:4],
                         sorted(told, key=lambda n: told[n]))
        self.assertEqual(trials[-1]["state"], "pruned")
        self.assertEqual([s["name"] for s in c.studies()], ["r"])
        self.assertIn("params", c.importance("r"))
        with self.assertRaises(drover.ApiError) as e:
            c.tell("r", 0, 1.0)
        self.assertEqual(e.exception.status, 409)
        with self.assertRaises(drover.ApiError) as e:
            c.ask("missing")
        self.assertEqual(e.exception.status, 404)
        self.assertIn("missing", e.exception.message)
        self.assertEqual(c.runs(), [])


if __name__ == "__main__":
    unittest.main()
