"""drover serve on a real store: every read endpoint against the store and the CLI, live
counts while a run progresses, ETags, tokens and roles, the login link, TLS, refusals, and
bad input answered 4xx as JSON with nothing stored. Servers bind 127.0.0.1 only."""
import http.client
import json
import os
import select
import ssl
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import DROVER, DroverTest

WORKFLOW = """\
name: served
axes:
  model: [mlp, forest]
  seed: [1, 0, 2]
steps:
  train:
    over: [model, seed]
    run: python3 train.py {model} {seed}
report:
  table: {rows: [model], cols: [seed], value: accuracy}
"""

TRAIN = """\
import json, os, sys
base = {"mlp": 0.9, "forest": 0.8}[sys.argv[1]]
with open(os.environ["DROVER_METRICS"], "a") as f:
    for step in range(3):
        f.write(json.dumps({"name": "accuracy", "value": base - (2 - step) / 10 + int(sys.argv[2]) / 100,
                            "step": step}) + "\\n")
for i in range(5):
    print("out", sys.argv[1], sys.argv[2], i)
print("err", sys.argv[1], file=sys.stderr)
"""

SLOW = """\
name: slow
axes:
  i: [0, 1, 2, 3, 4, 5]
steps:
  nap:
    over: [i]
    run: sleep 1.5
"""

GRAPH = """\
name: graph
axes:
  seed: [1, 2]
steps:
  prep:
    run: echo data > data.txt
    outputs: [data.txt]
  train:
    over: [seed]
    run: cat {prep.data.txt} > out.txt
    outputs: [out.txt]
  report:
    run: cat {train.out.txt...}
    after: [prep]
"""

DEADLINE_S = 60


class Server:
    """`drover serve --port 0` on a store; url is the first line it printed."""

    def __init__(self, store, *extra, env=None):
        self.p = subprocess.Popen([DROVER, "--store", store, "serve", "--bind", "127.0.0.1",
                                   "--port", "0", *extra], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True, env=env)
        line = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.p.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(self.p.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
            elif self.p.poll() is not None:
                break
        self.url = line.decode().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise AssertionError(f"drover serve printed no URL: {self.url!r}")
        self.base = self.url.split("?")[0].rstrip("/")

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=10)
        self.p.stdout.close()
        self.p.stderr.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(url, method="GET", body=None, headers=None, context=None):
    """(status, headers, parsed JSON body or None) of one request; never raises on 4xx."""
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect(), urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(req, timeout=60) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    return status, hdrs, data


class ServeTest(DroverTest):
    def serve(self, *extra):
        s = Server(self.dir, *extra)
        self.addCleanup(s.stop)
        return s

    def get(self, s, path, **kw):
        return call(s.base + path, **kw)


class ReadApiTest(ServeTest):
    def setUp(self):
        super().setUp()
        self.write("drover.yaml", WORKFLOW)
        self.write("train.py", TRAIN)
        self.drover("run", "-q")
        self.s = self.serve()

    def test_runs_and_a_run_have_counts_per_step_and_state(self):
        st, _, body = self.get(self.s, "/api/v1/runs")
        self.assertEqual(st, 200)
        self.assertEqual(len(body["runs"]), 1)
        run = body["runs"][0]
        self.assertEqual((run["workflow"], run["state"], run["ran"], run["reused"], run["failed"]),
                         ("served", "succeeded", 6, 0, 0))
        self.assertEqual(run["counts"], {"train": {"succeeded": 6}})
        self.assertGreater(run["ended"], run["started"])
        st, _, one = self.get(self.s, f"/api/v1/runs/{run['id']}")
        self.assertEqual(one.pop("graph"), [{"name": "train", "after": [], "counts": {"succeeded": 6}}])
        self.assertEqual((st, one), (200, run))
        st, _, err = self.get(self.s, "/api/v1/runs/99")
        self.assertEqual(st, 404)
        self.assertIn("no run 99", err["error"])

    def test_a_run_has_its_step_graph(self):
        # prep <- train (by reference) <- report (by after:, and by a gather of train).
        self.write("graph.yaml", GRAPH)
        self.drover("run", "-q", "graph.yaml")
        _, _, runs = self.get(self.s, "/api/v1/runs?workflow=graph")
        st, _, run = self.get(self.s, f"/api/v1/runs/{runs['runs'][0]['id']}")
        self.assertEqual(st, 200)
        self.assertEqual([(s["name"], s["after"], s["counts"]) for s in run["graph"]],
                         [("prep", [], {"succeeded": 1}),
                          ("train", ["prep"], {"succeeded": 2}),
                          ("report", ["train", "prep"], {"succeeded": 1})])

    def test_jobs_filter_and_page_like_the_store(self):
        st, _, body = self.get(self.s, "/api/v1/jobs")
        self.assertEqual((st, body["total"], len(body["jobs"])), (200, 6, 6))
        names = {j["name"] for j in body["jobs"]}
        self.assertEqual(names, {n for (n,) in self.query("SELECT name FROM jobs")})
        job = next(j for j in body["jobs"] if j["name"] == "train/model=mlp,seed=1")
        self.assertEqual(job["axes"], {"model": "mlp", "seed": "1"})
        self.assertEqual((job["workflow"], job["step"], job["state"], job["attempt"],
                          job["exit_code"], job["slurm_id"]), ("served", "train", "succeeded", 1, 0, None))
        self.assertAlmostEqual(job["metrics"]["accuracy"], 0.91)
        self.assertGreaterEqual(job["duration"], 0)
        # Filters: an axis value, a state, a step; a page through all of them.
        _, _, mlp = self.get(self.s, "/api/v1/jobs?axis.model=mlp&axis.seed=0")
        self.assertEqual([j["name"] for j in mlp["jobs"]], ["train/model=mlp,seed=0"])
        _, _, none = self.get(self.s, "/api/v1/jobs?state=failed")
        self.assertEqual((none["total"], none["jobs"]), (0, []))
        _, _, nostep = self.get(self.s, "/api/v1/jobs?step=eval")
        self.assertEqual(nostep["total"], 0)
        seen = []
        for offset in range(0, 6, 4):
            _, _, page = self.get(self.s, f"/api/v1/jobs?workflow=served&limit=4&offset={offset}")
            self.assertEqual(page["total"], 6)
            seen += [j["key"] for j in page["jobs"]]
        self.assertEqual(len(seen), 6)
        self.assertEqual(sorted(seen), sorted(j["key"] for j in body["jobs"]))

    def key_of(self, name):
        return self.query("SELECT key FROM jobs WHERE name=?", name)[0][0]

    def test_a_job_with_its_attempts_logs_and_metrics(self):
        key = self.key_of("train/model=forest,seed=2")
        st, _, job = self.get(self.s, f"/api/v1/jobs/{key}")
        self.assertEqual(st, 200)
        self.assertEqual(job["command"], f"python3 {self.dir}/train.py forest 2")
        self.assertEqual(len(job["attempt_list"]), 1)
        self.assertEqual(job["attempt_list"][0]["state"], "succeeded")
        self.assertTrue(os.path.isdir(job["dir"]))
        _, _, short = self.get(self.s, f"/api/v1/jobs/{key[:8]}")
        self.assertEqual(short["key"], key)
        # Logs: the tail's last lines, either stream.
        _, _, logs = self.get(self.s, f"/api/v1/jobs/{key}/logs?tail=2")
        self.assertEqual(logs["text"], "out forest 2 3\nout forest 2 4\n")
        self.assertTrue(logs["truncated"])
        cli = self.drover("logs", "--stdout", key).stdout
        _, _, whole = self.get(self.s, f"/api/v1/jobs/{key}/logs?stream=stdout")
        self.assertEqual(whole["text"], cli)
        _, _, err = self.get(self.s, f"/api/v1/jobs/{key}/logs?stream=stderr")
        self.assertEqual(err["text"], "err forest\n")
        # Metrics: the series as logged, as `drover metrics` prints it.
        _, _, m = self.get(self.s, f"/api/v1/jobs/{key}/metrics?name=accuracy")
        series = m["metrics"]["accuracy"]
        self.assertEqual([p["step"] for p in series], [0, 1, 2])
        self.assertEqual([round(p["value"], 6) for p in series], [0.62, 0.72, 0.82])
        rows = self.drover("metrics", key, "--format", "jsonl").stdout.splitlines()
        self.assertEqual(len(rows), 3)

    def test_the_table_has_the_cells_of_drover_table(self):
        st, _, t = self.get(self.s, "/api/v1/table")
        self.assertEqual(st, 200)
        self.assertEqual((t["workflow"], t["value"], t["rows"], t["cols"]),
                         ("served", "accuracy", ["model"], ["seed"]))
        csv = self.drover("table", "--format", "csv").stdout
        self.assertEqual(t["csv"], csv)
        lines = csv.splitlines()
        self.assertEqual(t["col_labels"], lines[0].split(",")[1:])
        self.assertEqual([[t["row_labels"][i]] + c for i, c in enumerate(t["cells"])],
                         [l.split(",") for l in lines[1:]])
        _, _, pivot = self.get(self.s, "/api/v1/table?rows=seed&cols=model&agg=max")
        cli = self.drover("table", "--rows", "seed", "--cols", "model", "--agg", "max",
                          "--format", "csv").stdout
        self.assertEqual(pivot["csv"], cli)
        st, _, err = self.get(self.s, "/api/v1/table?rows=nope")
        self.assertEqual(st, 400)
        self.assertIn("no axis 'nope'", err["error"])

    def test_etag_answers_304_until_something_changes(self):
        st, h, body = self.get(self.s, "/api/v1/runs")
        etag = h["ETag"]
        self.assertTrue(etag)
        st, _, none = self.get(self.s, "/api/v1/runs", headers={"If-None-Match": etag})
        self.assertEqual((st, none), (304, None))
        self.drover("run", "-q")  # a second run: reuses all, and the list changes
        st, h2, body2 = self.get(self.s, "/api/v1/runs", headers={"If-None-Match": etag})
        self.assertEqual(st, 200)
        self.assertNotEqual(h2["ETag"], etag)
        self.assertEqual(len(body2["runs"]), 2)

    def test_bad_input_is_a_4xx_json_error_and_stores_nothing(self):
        before = self.query("SELECT id, state FROM runs")
        cases = [("/api/v1/jobs/abcdef0123", 404, "no job has key"),
                 ("/api/v1/jobs?limit=0", 400, "limit=0"),
                 ("/api/v1/jobs?limit=ten", 400, "limit=ten"),
                 ("/api/v1/jobs?state=done", 400, "state=done"),
                 ("/api/v1/jobs?offset=-1", 400, "offset=-1"),
                 ("/api/v1/nothing", 404, "/api/v1/nothing")]
        for path, status, words in cases:
            st, h, body = self.get(self.s, path)
            self.assertEqual(st, status, path)
            self.assertEqual(h["Content-Type"], "application/json", path)
            self.assertIn(words, body["error"], path)
        key = self.key_of("train/model=mlp,seed=1")
        st, _, body = self.get(self.s, f"/api/v1/jobs/{key}/logs?stream=both")
        self.assertEqual(st, 400)
        st, _, body = self.get(self.s, f"/api/v1/jobs/{key}/metrics?name=loss")
        self.assertEqual(st, 404)
        # A body over 1 MiB is refused before anything runs; a finished run is no cancel.
        st, _, body = self.get(self.s, "/api/v1/runs/1/cancel", method="POST",
                               body=b"x" * (2 << 20), headers={"Content-Type": "text/plain"})
        self.assertEqual(st, 413)
        self.assertIn("too large", body["error"])
        st, _, body = self.get(self.s, "/api/v1/runs/1/cancel", method="POST", body=b"")
        self.assertEqual(st, 409)
        self.assertIn("not running", body["error"])
        self.assertEqual(self.query("SELECT id, state FROM runs"), before)
        self.assertIsNone(self.s.p.poll())  # still serving


class StopTest(ServeTest):
    def test_ctrl_c_and_sigterm_stop_the_server_cleanly(self):
        import signal
        for sig in (signal.SIGINT, signal.SIGTERM):
            s = self.serve()
            self.assertEqual(self.get(s, "/api/v1/version")[0], 200)
            s.p.send_signal(sig)
            self.assertEqual(s.p.wait(timeout=30), 0)
            self.assertIn("serving the store", s.p.stderr.read().decode())


class LiveTest(ServeTest):
    def test_counts_move_while_a_run_progresses(self):
        self.write("drover.yaml", SLOW)
        self.drover("plan")  # makes the store, so that the server starts before the run
        s = self.serve()
        run = self.spawn("run", "-q", "-j", "2")
        self.addCleanup(lambda: run.poll() is None and run.kill())
        seen_running, final = False, None
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            _, _, body = self.get(s, "/api/v1/runs?limit=1")
            latest = body["runs"][0] if body["runs"] else None
            if latest and latest["workflow"] == "slow" and latest["state"] == "running":
                counts = latest["counts"].get("nap", {})
                seen_running = seen_running or counts.get("running", 0) > 0
            if latest and latest["state"] == "succeeded":
                final = latest
                break
            time.sleep(0.2)
        self.assertTrue(seen_running, "no running job was seen while the run went on")
        self.assertIsNotNone(final, "the run did not finish in time")
        self.assertEqual(final["counts"], {"nap": {"succeeded": 6}})
        run.wait(timeout=30)


class AuthTest(ServeTest):
    def setUp(self):
        super().setUp()
        self.write("drover.yaml", WORKFLOW)
        self.write("train.py", TRAIN)
        self.drover("run", "-q")

    def token(self, name, role):
        p = self.drover("token", "create", name, "--role", role)
        return p.stdout.strip()

    def test_no_token_is_open_then_tokens_are_needed_by_role(self):
        s = self.serve()
        self.assertNotIn("token=", s.url)
        self.assertEqual(self.get(s, "/api/v1/runs")[0], 200)
        reader = self.token("alice", "read")
        admin = self.token("boss", "admin")
        self.assertTrue(reader.startswith("drover_"))
        # The store keeps no secret, only salted hashes.
        stored = self.query("SELECT name, role, hash FROM tokens ORDER BY name")
        self.assertEqual([(n, r) for n, r, _ in stored], [("alice", "read"), ("boss", "admin")])
        with open(os.path.join(self.dir, ".drover", "drover.db"), "rb") as f:
            self.assertNotIn(reader[7:].encode(), f.read())
        st, _, body = self.get(s, "/api/v1/runs")
        self.assertEqual(st, 401)
        self.assertIn("needs a token", body["error"])
        bearer = lambda t: {"Authorization": f"Bearer {t}"}
        self.assertEqual(self.get(s, "/api/v1/runs", headers=bearer("drover_nope"))[0], 401)
        self.assertEqual(self.get(s, "/api/v1/runs", headers=bearer(reader))[0], 200)
        st, _, body = self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"",
                               headers=bearer(reader))
        self.assertEqual(st, 403)
        self.assertIn("role read", body["error"])
        st, _, body = self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"",
                               headers=bearer(admin))
        self.assertEqual(st, 409)  # allowed, and the run is over
        listing = self.drover("token", "list").stdout
        self.assertIn("alice", listing)
        self.assertNotIn(reader, listing)
        used = self.query("SELECT name FROM tokens WHERE last_used IS NOT NULL ORDER BY name")
        self.assertEqual(used, [("alice",), ("boss",)])  # both were used above
        self.drover("token", "revoke", "alice")
        self.assertEqual(self.get(s, "/api/v1/runs", headers=bearer(reader))[0], 401)
        p = self.drover("token", "revoke", "alice", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no token named 'alice'", p.stderr)
        p = self.drover("token", "create", "x", "--role", "root", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("use read, submit or admin", p.stderr)

    def test_an_open_server_refuses_other_sites_and_foreign_hosts(self):
        s = self.serve()  # no token: open on loopback, but not to other sites' pages
        st, _, body = self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"",
                               headers={"Origin": "http://evil.example"})
        self.assertEqual(st, 403)
        self.assertIn("another site", body["error"])
        st, _, body = self.get(s, "/api/v1/runs", headers={"Host": "evil.example:8765"})
        self.assertEqual(st, 403)
        self.assertEqual(self.get(s, "/api/v1/runs", headers={"Host": "localhost:1"})[0], 200)
        self.assertEqual(self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"")[0], 409)

    def test_an_admin_cancels_a_running_run(self):
        self.token("boss", "admin")
        admin = self.token("boss2", "admin")
        self.write("drover.yaml", SLOW.replace("sleep 1.5", "sleep 60"))
        s = self.serve()
        run = self.spawn("run", "-q", "-j", "2")
        self.addCleanup(lambda: run.poll() is None and run.kill())
        hdr = {"Authorization": f"Bearer {admin}"}
        deadline = time.monotonic() + DEADLINE_S
        run_id = None
        while time.monotonic() < deadline and run_id is None:
            _, _, body = self.get(s, "/api/v1/runs?workflow=slow", headers=hdr)
            r = body["runs"][0] if body["runs"] else None
            if r and r["counts"].get("nap", {}).get("running", 0) == 2:
                run_id = r["id"]
            time.sleep(0.2)
        self.assertIsNotNone(run_id, "the slow run did not start its jobs in time")
        st, _, body = self.get(s, f"/api/v1/runs/{run_id}/cancel", method="POST", body=b"",
                               headers=hdr)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["cancelled"], 2)
        run.wait(timeout=60)
        _, _, r = self.get(s, f"/api/v1/runs/{run_id}", headers=hdr)
        self.assertNotEqual(r["state"], "running")
        self.assertEqual(r["counts"]["nap"].get("running", 0), 0)

    def test_the_login_link_sets_an_httponly_cookie_and_drops_the_token(self):
        self.token("alice", "read")
        s = self.serve()
        self.assertIn("/?token=drover_", s.url)
        st, h, _ = call(s.url.replace("/?", "/runs?view=1&"))
        self.assertEqual(st, 303)
        self.assertEqual(h["Location"], "/runs?view=1")
        cookie = h["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertNotIn("Secure", cookie)
        jar = {"Cookie": cookie.split(";")[0]}
        self.assertEqual(self.get(s, "/api/v1/runs", headers=jar)[0], 200)
        # A change authenticated by the cookie alone must come from the page's own origin.
        st, _, body = self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"", headers=jar)
        self.assertEqual(st, 403)
        self.assertIn("Origin", body["error"])
        host = s.base.split("//")[1]
        st, _, _ = self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"",
                            headers={**jar, "Origin": f"http://{host}"})
        self.assertEqual(st, 409)  # allowed (the link's role is admin); the run is over
        st, _, _ = self.get(s, "/api/v1/runs/1/cancel", method="POST", body=b"",
                            headers={**jar, "Origin": "http://evil.example"})
        self.assertEqual(st, 403)
        self.assertEqual(call(s.base + "/?token=drover_wrong")[0], 401)
        # Nothing of the link goes into a header as given, and the redirect stays here.
        self.assertEqual(call(s.base + "/?token=a%0d%0aSet-Cookie:%20evil")[0], 400)
        token = s.url.split("token=")[1]
        st, h, _ = call(s.base + "//evil.example/x?token=" + token)
        self.assertEqual((st, h["Location"]), (303, "/"))

    def test_a_bind_beyond_loopback_needs_tls_and_a_token(self):
        p = self.drover("serve", "--bind", "0.0.0.0", "--port", "0", check=False, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--tls-cert", p.stderr)
        p = self.drover("serve", "--bind", "0.0.0.0", "--port", "0", "--insecure", check=False,
                        timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("drover token create", p.stderr)
        p = self.drover("serve", "--tls-cert", "nope.pem", "--port", "0", check=False, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--tls-key", p.stderr)

    def test_tls_with_a_self_signed_certificate(self):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem"],
                       cwd=self.dir, check=True, capture_output=True, timeout=60)
        token = self.token("boss", "admin")
        s = self.serve("--tls-cert", os.path.join(self.dir, "cert.pem"),
                       "--tls-key", os.path.join(self.dir, "key.pem"))
        self.assertTrue(s.url.startswith("https://127.0.0.1:"))
        ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "cert.pem"))
        ctx.check_hostname = False
        st, _, body = call(s.base + "/api/v1/runs", context=ctx,
                           headers={"Authorization": f"Bearer {token}"})
        self.assertEqual((st, body["runs"][0]["workflow"]), (200, "served"))
        self.assertEqual(call(s.base + "/api/v1/runs", context=ctx)[0], 401)
        st, h, _ = call(s.url, context=ctx)
        self.assertEqual(st, 303)
        self.assertIn("Secure", h["Set-Cookie"])
        with self.assertRaises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            # plain HTTP gets no answer
            urllib.request.urlopen(s.base.replace("https", "http") + "/api/v1/runs", timeout=10)


if __name__ == "__main__":
    unittest.main()
