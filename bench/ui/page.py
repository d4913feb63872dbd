#!/usr/bin/env python3
"""The page of drover serve at scale (not a test; see bench/README.md).

1. A store with JOBS jobs: a sweep of `true` (JOBS/1000 x 1000 axis values) run by drover.
2. A study of TRIALS trials x PARAMS parameters (floats, log floats, ints, categoricals;
   random sampler) made through the HTTP study service: create, then ask and tell each
   trial; the first 500 also report 5 intermediate values, every 10th is pruned.
3. p50/p95 latency of GET /api/v1/jobs?limit=100 at random offsets, of a page of trials
   (/trials?limit=100 at random offsets) and of the whole trials list the study view reads
   (/trials?limit=10000). Target: p95 < 100 ms for the pages.
4. The study view's first render in headless Chromium: the page's own performance mark
   'study-rendered' (set once the plots are drawn), from navigation start; median of
   RENDERS fresh loads. Target < 2 s. Then the jobs view scrolled to the middle of the
   100,000 rows: how many rows are in the DOM (virtualised: a screenful, not 100,000).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
from page_util import start_browser, start_server, stop_server, wait_for  # noqa: E402


def make_jobs(drover, d, jobs):
    a = max(1, jobs // 1000)
    b = jobs // a
    with open(os.path.join(d, "drover.yaml"), "w") as f:
        f.write("name: scale\naxes:\n")
        f.write(f"  a: [{', '.join(str(i) for i in range(a))}]\n")
        f.write(f"  b: [{', '.join(str(i) for i in range(b))}]\n")
        f.write("steps:\n  noop:\n    over: [a, b]\n    run: 'true'\n")
    t0 = time.monotonic()
    subprocess.run([drover, "run", "-q", "-j", "4"], cwd=d, check=True, timeout=3600,
                   stdout=subprocess.DEVNULL)
    return a * b, time.monotonic() - t0


def space(params):
    s = {}
    for i in range(params):
        kind = i % 4
        if kind == 0:
            s[f"f{i}"] = {"type": "float", "low": -1.0, "high": 1.0}
        elif kind == 1:
            s[f"lr{i}"] = {"type": "float", "low": 1e-5, "high": 1e-1, "log": True}
        elif kind == 2:
            s[f"n{i}"] = {"type": "int", "low": 1, "high": 64}
        else:
            s[f"c{i}"] = {"type": "categorical", "choices": ["a", "b", "c"]}
    return s


class Http:
    """One keep-alive connection to the server."""

    def __init__(self, url):
        host, port = url.split("//")[1].split("/")[0].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        if r.status >= 400:
            raise RuntimeError(f"{method} {path}: {r.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None, len(raw)


def make_study(c, name, trials, params):
    c.call("POST", "/api/v1/studies", {"name": name, "space": space(params), "sampler": "random",
                                       "direction": "minimize", "seed": 1})
    t0 = time.monotonic()
    for _ in range(trials):
        t, _ = c.call("POST", f"/api/v1/studies/{name}/ask", {})
        n = t["number"]
        x = sum(v for v in t["params"].values() if isinstance(v, float))
        if n < 500:
            for step in range(5):
                c.call("POST", f"/api/v1/studies/{name}/trials/{n}/report",
                       {"step": step, "value": x * x + 1.0 / (step + 1)})
        if n < 500 and n % 10 == 0:
            c.call("POST", f"/api/v1/studies/{name}/trials/{n}/tell", {"state": "pruned"})
        else:
            c.call("POST", f"/api/v1/studies/{name}/trials/{n}/tell", {"value": x * x})
    return time.monotonic() - t0


def latency(c, paths):
    ms, size = [], 0
    for p in paths:
        t0 = time.perf_counter()
        _, n = c.call("GET", p)
        ms.append((time.perf_counter() - t0) * 1000)
        size = max(size, n)
    ms.sort()
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return statistics.median(ms), p95, size


def render_times(driver, base, name, renders):
    out = []
    for _ in range(renders):
        driver.get("about:blank")
        driver.get(f"{base}/studies/{name}")
        ms = wait_for(driver, "performance.getEntriesByName('study-rendered')[0]?.startTime",
                      timeout=60, what="the study view's plots")
        out.append(ms)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drover", required=True)
    ap.add_argument("--jobs", type=int, default=100000)
    ap.add_argument("--trials", type=int, default=10000)
    ap.add_argument("--params", type=int, default=20)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--renders", type=int, default=3)
    ap.add_argument("--keep")
    ap.add_argument("--artefacts")
    a = ap.parse_args()
    drover = os.path.abspath(a.drover)
    artefacts = a.artefacts or os.path.join(os.path.dirname(drover), "artefacts", "page-bench")
    os.makedirs(artefacts, exist_ok=True)
    d = a.keep or tempfile.mkdtemp(prefix="drover-bench-page-")
    os.makedirs(d, exist_ok=True)
    fresh = not os.path.exists(os.path.join(d, ".drover", "drover.db"))
    rnd = random.Random(7)
    name = f"scale{a.trials}x{a.params}"
    server = driver = None
    try:
        if fresh:
            n, secs = make_jobs(drover, d, a.jobs)
            print(f"store: {n:,} jobs run by drover in {secs:.1f} s")
        server, url = start_server(drover, d)
        base = url.split("/?")[0].rstrip("/")
        c = Http(url)
        studies, _ = c.call("GET", "/api/v1/studies")
        if not any(s["name"] == name for s in studies["studies"]):
            secs = make_study(c, name, a.trials, a.params)
            print(f"study: {a.trials:,} trials x {a.params} parameters over HTTP in {secs:.1f} s "
                  f"({1000 * secs / a.trials:.2f} ms per ask+tell, reports included)")
        jobs, _ = c.call("GET", "/api/v1/jobs?limit=1")
        total = jobs["total"]
        m, p, size = latency(c, [f"/api/v1/jobs?limit=100&offset={rnd.randrange(max(1, total - 100))}"
                                 for _ in range(a.requests)])
        print(f"GET /api/v1/jobs?limit=100 at random offsets of {total:,}: p50 {m:.1f} ms, "
              f"p95 {p:.1f} ms ({size:,} bytes) — target p95 < 100 ms: {'ok' if p < 100 else 'MISSED'}")
        m, p, size = latency(c, [f"/api/v1/studies/{name}/trials?limit=100&offset={rnd.randrange(a.trials)}"
                                 for _ in range(a.requests)])
        print(f"GET /api/v1/studies/{name}/trials?limit=100 at random offsets: p50 {m:.1f} ms, "
              f"p95 {p:.1f} ms ({size:,} bytes) — target p95 < 100 ms: {'ok' if p < 100 else 'MISSED'}")
        m, p, size = latency(c, [f"/api/v1/studies/{name}/trials?limit=10000"] * max(5, a.requests // 10))
        print(f"GET /api/v1/studies/{name}/trials?limit=10000 (the study view's read): p50 {m:.1f} ms, "
              f"p95 {p:.1f} ms ({size:,} bytes)")
        driver = start_browser()
        times = render_times(driver, base, name, a.renders)
        med = statistics.median(times)
        print(f"study view first render (headless Chromium, mark 'study-rendered'): median {med:.0f} ms "
              f"of {', '.join(f'{t:.0f}' for t in times)} — target < 2000 ms: {'ok' if med < 2000 else 'MISSED'}")
        counts = driver.execute_script(
            "return {pcp: document.querySelector('#parallel').dataset.lines,"
            " history: document.querySelector('#history').dataset.points,"
            " curves: document.querySelector('#curves').dataset.series,"
            " trials: document.querySelector('#trials-table').dataset.total}")
        print(f"  drawn: {counts['pcp']} parallel-coordinate lines, {counts['history']} history points, "
              f"{counts['curves']} learning curves, {counts['trials']} rows in the trials table")
        driver.save_screenshot(os.path.join(artefacts, "study-10k.png"))
        driver.get(f"{base}/jobs")
        wait_for(driver, f"document.querySelector('#jobs-table')?.dataset.total == '{total}'", timeout=30,
                 what="the jobs table")
        t0 = time.monotonic()
        driver.execute_script("const b = document.querySelector('#jobs-table .vt-body');"
                              "b.scrollTop = b.scrollHeight / 2; b.dispatchEvent(new Event('scroll'));")
        wait_for(driver, "[...document.querySelectorAll('#jobs-table .vt-row[data-index]')]"
                         f".some(r => +r.dataset.index > {total // 2 - 100})", timeout=30, what="rows mid-table")
        secs = time.monotonic() - t0
        rows = driver.execute_script("return document.querySelectorAll('#jobs-table .vt-row').length")
        print(f"jobs view scrolled to row ~{total // 2:,} of {total:,}: rows shown after {1000 * secs:.0f} ms, "
              f"{rows} rows in the DOM")
        driver.save_screenshot(os.path.join(artefacts, "jobs-100k.png"))
        print(f"screenshots: {artefacts}/study-10k.png, {artefacts}/jobs-100k.png")
    finally:
        if driver:
            driver.quit()
            shutil.rmtree(driver.drover_profile, ignore_errors=True)
        if server:
            stop_server(server)
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
