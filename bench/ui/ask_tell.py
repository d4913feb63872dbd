"""Ask and tell over HTTP (`drover serve`) against the CLI and against Optuna on SQLite.

(a) At a study of TRIALS (10,000) finished trials (TPE, four parameters): the median
    milliseconds of one ask+tell over HTTP (a fresh connection each, as urllib does),
    against the same through `drover study ask`/`tell` processes. Target: HTTP < 5 ms.
(b) CLIENTS (50) processes asking and telling as fast as they can for DURATION (60) s,
    each on its own connections: errors, ask latency p50/p99/max, and the spread of
    the per-client throughput (max/min completed trials); then the same load on Optuna
    (RDB storage on SQLite, TPE): its "database is locked" errors and lost tells (told
    without an error but not COMPLETE in its storage). Targets: 0 errors, p99 < 200 ms.

Not a test: nothing asserts a timing. Prints the figures and ratios.
"""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SPACE = {"lr": {"type": "float", "low": 1e-5, "high": 1, "log": True},
         "width": {"type": "int", "low": 8, "high": 512},
         "dropout": {"type": "float", "low": 0, "high": 0.6},
         "opt": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]}}


def objective(p):
    import math
    return (math.log10(p["lr"]) + 2.5) ** 2 + abs(p["width"] - 128) / 256 + p["dropout"] + \
        (0.3 if p["opt"] == "sgd" else 0.0)


class Server:
    """A `drover serve --port 0` over `store`, stopped by close()."""

    def __init__(self, drover, store):
        self.proc = subprocess.Popen([drover, "--store", store, "serve", "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        got = []
        t = threading.Thread(target=lambda: got.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(60)
        if not got or not got[0].startswith("http://"):
            self.proc.kill()
            sys.exit("drover serve did not start")
        hostport = got[0].strip().split("//", 1)[1].split("/", 1)[0]
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def call(host, port, method, path, body=None):
    """(status, JSON) of one request on a fresh connection."""
    c = http.client.HTTPConnection(host, port, timeout=120)
    try:
        data = None if body is None else json.dumps(body)
        c.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def fill(store, name, n, seed=1):
    """Adds n finished trials to study `name` straight into the store (fast set-up)."""
    rng = random.Random(seed)
    db = sqlite3.connect(os.path.join(store, ".drover", "drover.db"), timeout=60)
    sid = db.execute("SELECT id FROM studies WHERE name=?", (name,)).fetchone()[0]
    now = time.time()
    rows = []
    for k in range(n):
        p = {"lr": 10 ** rng.uniform(-5, 0), "width": rng.randint(8, 512),
             "dropout": rng.uniform(0, 0.6), "opt": rng.choice(["adam", "sgd", "rmsprop"])}
        rows.append((sid, k, json.dumps(p), "complete", objective(p), "[]", "[]", now, now))
    db.executemany("INSERT INTO trials(study_id, number, params, state, value, intermediate, rungs, "
                   "started, ended) VALUES(?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()


def part_a(args, tmp):
    store = os.path.join(tmp, "a")
    os.makedirs(store)
    srv = Server(args.drover, store)
    try:
        st, out = call(srv.host, srv.port, "POST", "/api/v1/studies",
                       {"name": "a", "space": SPACE, "sampler": "tpe", "seed": 1})
        assert st == 201, out
        fill(store, "a", args.trials)
        call(srv.host, srv.port, "POST", "/api/v1/studies/a/ask")  # load it warm (not timed)
        http_ms = []
        for _ in range(args.pairs):
            t0 = time.perf_counter()
            st, t = call(srv.host, srv.port, "POST", "/api/v1/studies/a/ask")
            assert st == 200, t
            st, r = call(srv.host, srv.port, "POST", f"/api/v1/studies/a/trials/{t['number']}/tell",
                         {"value": objective(t["params"])})
            assert st == 200, r
            http_ms.append((time.perf_counter() - t0) * 1000)
    finally:
        srv.close()
    cli_ms = []
    for _ in range(args.cli_pairs):
        t0 = time.perf_counter()
        p = subprocess.run([args.drover, "--store", store, "study", "ask", "a"], capture_output=True,
                           text=True, check=True)
        t = json.loads(p.stdout)
        subprocess.run([args.drover, "--store", store, "study", "tell", "a", str(t["number"]),
                        repr(objective(t["params"]))], capture_output=True, check=True)
        cli_ms.append((time.perf_counter() - t0) * 1000)
    h, c = statistics.median(http_ms), statistics.median(cli_ms)
    print(f"(a) ask+tell at {args.trials} trials (TPE, 4 params), median of {args.pairs} (HTTP) "
          f"and {args.cli_pairs} (CLI):")
    print(f"    HTTP {h:.2f} ms (p90 {sorted(http_ms)[int(0.9 * len(http_ms))]:.2f})   "
          f"CLI {c:.1f} ms   CLI/HTTP {c / h:.0f}x   target HTTP < 5 ms: {'ok' if h < 5 else 'MISSED'}")


def drover_client(host, port, deadline, seed, out):
    rng = random.Random(seed)
    lat, done, errors = [], 0, []
    while time.time() < deadline:
        try:
            t0 = time.perf_counter()
            st, t = call(host, port, "POST", "/api/v1/studies/b/ask")
            lat.append((time.perf_counter() - t0) * 1000)
            if st != 200:
                errors.append(f"ask {st} {t}")
                continue
            st, r = call(host, port, "POST", f"/api/v1/studies/b/trials/{t['number']}/tell",
                         {"value": objective(t["params"]) + rng.uniform(0, 0.01)})
            if st != 200:
                errors.append(f"tell {st} {r}")
                continue
            done += 1
        except Exception as e:  # noqa: BLE001 - counted
            errors.append(repr(e))
    out.put((lat, done, errors))


def chain(e):
    """The exception and its causes, in words (Optuna wraps SQLite's "database is locked")."""
    words = []
    while e is not None and len(words) < 5:
        words.append(repr(e))
        e = e.__cause__ or e.__context__
    return " <- ".join(words)


def optuna_client(url, deadline, seed, out):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    lat, done, errors, told = [], 0, [], []
    try:
        study = optuna.load_study(study_name="b", storage=url,
                                  sampler=optuna.samplers.TPESampler(seed=seed))
    except Exception as e:  # noqa: BLE001
        out.put((lat, done, [repr(e)], told))
        return
    while time.time() < deadline:
        try:
            t0 = time.perf_counter()
            trial = study.ask({"lr": optuna.distributions.FloatDistribution(1e-5, 1, log=True),
                               "width": optuna.distributions.IntDistribution(8, 512),
                               "dropout": optuna.distributions.FloatDistribution(0, 0.6),
                               "opt": optuna.distributions.CategoricalDistribution(
                                   ["adam", "sgd", "rmsprop"])})
            lat.append((time.perf_counter() - t0) * 1000)
        except Exception as e:  # noqa: BLE001
            errors.append(chain(e))
            continue
        try:
            study.tell(trial, objective(trial.params))
            told.append(trial._trial_id)
            done += 1
        except Exception as e:  # noqa: BLE001
            errors.append(chain(e))
    out.put((lat, done, errors, told))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def summary(name, results):
    lat = [x for r in results for x in r[0]]
    done = [r[1] for r in results]
    errors = [e for r in results for e in r[2]]
    locked = sum("database is locked" in e for e in errors)
    spread = max(done) / max(1, min(done))
    print(f"    {name:7s} trials {sum(done):6d}  errors {len(errors):4d} (locked {locked})  ask ms "
          f"p50 {pct(lat, .5):7.1f} p99 {pct(lat, .99):7.1f} max {max(lat) if lat else 0:7.1f}  "
          f"per-client max/min {spread:.2f} ({min(done)}..{max(done)})")
    if errors:
        print(f"            first error: {errors[0][:160]}")
    return pct(lat, .99), len(errors)


def run_clients(target, argsets, duration):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, q)) for a in argsets]
    for p in procs:
        p.start()
    results = [q.get(timeout=duration + 600) for _ in procs]
    for p in procs:
        p.join(60)
    return results


def part_b(args, tmp):
    store = os.path.join(tmp, "b")
    os.makedirs(store)
    srv = Server(args.drover, store)
    try:
        st, out = call(srv.host, srv.port, "POST", "/api/v1/studies",
                       {"name": "b", "space": SPACE, "sampler": "tpe", "seed": 1})
        assert st == 201, out
        deadline = time.time() + args.duration
        res = run_clients(drover_client, [(srv.host, srv.port, deadline, i) for i in range(args.clients)],
                          args.duration)
    finally:
        srv.close()
    print(f"(b) {args.clients} clients asking and telling for {args.duration:g} s (TPE, 4 params):")
    p99, errs = summary("drover", res)
    db = sqlite3.connect(os.path.join(store, ".drover", "drover.db"))
    rows = db.execute("SELECT count(*), max(number), sum(state='complete') FROM trials").fetchone()
    told = sum(r[1] for r in res)
    print(f"            stored {rows[0]} trials (numbers 0..{rows[1]}), {rows[2]} complete; told {told}: "
          f"lost {told - rows[2]}")
    print(f"            targets: 0 errors {'ok' if errs == 0 else 'MISSED'}, p99 < 200 ms "
          f"{'ok' if p99 < 200 else 'MISSED'}")


def part_optuna(args, tmp):
    try:
        import optuna
    except ImportError:
        print("    optuna  not installed (python3-optuna): skipped")
        return
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    print(f"(b) the same load on Optuna (RDB storage on SQLite, TPE):")
    url = "sqlite:///" + os.path.join(tmp, "optuna.db")
    optuna.create_study(study_name="b", storage=url)
    deadline = time.time() + args.duration
    res = run_clients(optuna_client, [(url, deadline, i) for i in range(args.clients)], args.duration)
    summary(f"optuna {optuna.__version__}", res)
    study = optuna.load_study(study_name="b", storage=url)
    states = {t._trial_id: t.state for t in study.get_trials(deepcopy=False)}
    told = [tid for r in res for tid in r[3]]
    lost = sum(states.get(tid) != optuna.trial.TrialState.COMPLETE for tid in told)
    print(f"            stored {len(states)} trials; told {len(told)}: lost {lost}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drover", default=os.environ.get("DROVER", "build/drover"))
    ap.add_argument("--parts", default="abo", help="a: one client; b: many on drover; o: many on Optuna")
    ap.add_argument("--trials", type=int, default=10000, help="(a) the study's size")
    ap.add_argument("--pairs", type=int, default=200, help="(a) HTTP ask+tell pairs timed")
    ap.add_argument("--cli-pairs", type=int, default=10, help="(a) CLI ask+tell pairs timed")
    ap.add_argument("--clients", type=int, default=50, help="(b) client processes")
    ap.add_argument("--duration", type=float, default=60, help="(b) seconds of load, each side")
    args = ap.parse_args()
    args.drover = os.path.abspath(args.drover)
    tmp = tempfile.mkdtemp(prefix="drover-bench-ui-", dir=os.environ.get("TMPDIR"))
    try:
        if "a" in args.parts:
            part_a(args, tmp)
        if "b" in args.parts:
            part_b(args, tmp)
        if "o" in args.parts:
            part_optuna(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
