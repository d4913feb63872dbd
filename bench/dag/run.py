"""Real workflow shapes: drover against the makespan lower bound and Snakemake.

Each WfCommons trace becomes a workflow of `sleep`s of its recorded runtimes, scaled so
that max(critical path, work / SLOTS) is TARGET_S seconds (wfdag.py), and runs three ways:

  cold     `drover run -j SLOTS --cpus SLOTS` on a fresh store;
  history  the same store, the workflow's `env:` changed so every key is new: nothing is
           reused, but drover knows how long each step took in the cold run;
  snake    the same graph as a Snakefile, `snakemake --cores SLOTS` (Debian's 7.21).

Makespan = from the first job's start to the last job's end: for drover the attempts'
`started`/`ended` in the store (written by the job wrapper around the command), for
Snakemake `total_runtime` of its `--stats` file (its scheduler's job start and end). So
neither counts start-up and planning; the wall times of whole runs are printed too.
Target: history <= 1.10 x the lower bound (bound.py) and <= snake, on every trace.

Environment (all optional):
  QUICK=1         only three small traces (seismology, srasearch, montage-2mass): ~8 min
  TRACES=a,b      only traces whose short name contains one of these words
  REPS=1          repetitions (fresh store each); the table shows medians
  SKIP_SNAKEMAKE=1, DROVER=build-bench/drover, SNAKEMAKE=/usr/bin/snakemake,
  TMPDIR=/tmp, KEEP=1 (keep the temp folder), TARGET_S=40, SLOTS=16,
  DAG_TRACES=<repo>/../shared/data/workflows/wfinstances (the traces' folder)
Not a test: nothing here asserts a timing.
"""

import glob
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bound  # noqa: E402
import wfdag  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
QUICK_TRACES = "seismology,srasearch,montage-2mass"


class Settings:
    """The knobs, read once from the environment."""

    def __init__(self, env):
        quick = env.get("QUICK") == "1"
        self.traces_dir = env.get("DAG_TRACES") or os.path.join(
            ROOT, "..", "shared", "data", "workflows", "wfinstances")
        self.traces = (env.get("TRACES") or (QUICK_TRACES if quick else "")).replace(",", " ").split()
        self.reps = int(env.get("REPS") or 1)
        self.skip_snake = env.get("SKIP_SNAKEMAKE") == "1"
        self.drover = env.get("DROVER") or os.path.join(ROOT, "build-bench", "drover")
        self.snakemake = env.get("SNAKEMAKE") or "/usr/bin/snakemake"
        self.target_s = float(env.get("TARGET_S") or 40)
        self.slots = int(env.get("SLOTS") or 16)
        self.keep = env.get("KEEP") == "1"


def run_bounded(cmd, cwd, log, limit_s):
    """Runs cmd with its output in log; returns (exit code, wall seconds). Past limit_s
    it gets SIGTERM (drover then stops its jobs), 30 s later SIGKILL, and the code is None."""
    t0 = time.monotonic()
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = p.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            rc = None
    return rc, time.monotonic() - t0


def store_db(store):
    """The SQLite file of a `--store DIR`."""
    for p in (os.path.join(store, ".drover", "drover.db"), os.path.join(store, "drover.db")):
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"no drover.db under {store}")


def drover_measures(store, trace, ms, slots):
    """What the store's latest run shows: makespan (s, from its attempts' started/ended,
    the wrapper's clock around the command), attempts, reused (the run's summary), mean
    time of an attempt beyond its sleep (ms) and slot-seconds left idle while a job was
    ready (bound.idle_while_ready)."""
    db = sqlite3.connect(f"file:{store_db(store)}?mode=ro", uri=True)
    try:
        run_id, summary = db.execute("SELECT id, summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        rows = db.execute(
            "SELECT j.step, a.started, a.ended FROM attempts a JOIN jobs j ON j.id = a.job_id "
            "WHERE j.run_id = ? ORDER BY a.number", (run_id,)).fetchall()
    finally:
        db.close()
    index = {n: k for k, n in enumerate(trace.names)}
    start, end = [None] * len(ms), [None] * len(ms)
    for step, a, b in rows:  # a job's last attempt wins
        start[index[step]], end[index[step]] = a, b
    reused = json.loads(summary or "{}").get("reused")
    if None in start or None in end or reused:
        raise RuntimeError(f"{len(rows)} attempts and {reused} reused, expected {len(ms)} and 0")
    over = (sum(end) - sum(start)) / len(ms) - sum(ms) / len(ms) / 1000
    idle = bound.idle_while_ready(start, end, trace.parents, slots)
    return {"makespan": max(end) - min(start), "attempts": len(rows), "overhead_ms": over * 1000,
            "idle": idle}


def run_drover(cfg, trace, ms, folder, store, env_value, limit_s):
    """One `drover run` of the trace in folder/store; returns a dict of what it measured
    (makespan, wall) or raises RuntimeError saying what went wrong."""
    wf = os.path.join(folder, "drover.yaml")
    with open(wf, "w") as f:
        f.write(wfdag.drover_yaml(trace, ms, env_value))
    log = os.path.join(folder, f"drover-{env_value}.log")
    cmd = [cfg.drover, "--store", store, "run", wf, "-j", str(cfg.slots), "--cpus", str(cfg.slots), "-q"]
    rc, wall = run_bounded(cmd, folder, log, limit_s)
    if rc != 0:
        raise RuntimeError(f"drover run ({env_value}) exited {rc}; see {log}:\n" + tail(log))
    try:
        r = drover_measures(store, trace, ms, cfg.slots)
    except RuntimeError as e:
        raise RuntimeError(f"drover run ({env_value}): {e}; see {log}") from None
    r["wall"] = wall
    return r


def run_snakemake(cfg, trace, ms, folder, limit_s):
    """One Snakemake run of the trace in a fresh folder; returns {makespan, wall}."""
    os.makedirs(folder)
    with open(os.path.join(folder, "Snakefile"), "w") as f:
        f.write(wfdag.snakefile(trace, ms))
    log = os.path.join(folder, "snakemake.log")
    stats = os.path.join(folder, "stats.json")
    cmd = [cfg.snakemake, "--cores", str(cfg.slots), "--quiet", "--stats", stats]
    rc, wall = run_bounded(cmd, folder, log, limit_s)
    if rc != 0:
        raise RuntimeError(f"snakemake exited {rc}; see {log}:\n" + tail(log))
    with open(stats) as f:
        return {"makespan": json.load(f)["total_runtime"], "wall": wall}


def tail(path, lines=15):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def pick_traces(cfg):
    """The trace files to run, smallest first; exits 2 when none is found."""
    paths = sorted(glob.glob(os.path.join(cfg.traces_dir, "*.json")), key=os.path.getsize)
    if cfg.traces:
        paths = [p for p in paths if any(w in wfdag.short_name(p) for w in cfg.traces)]
    if not paths:
        sys.exit(f"no trace matches {cfg.traces or 'anything'} in {cfg.traces_dir} (set DAG_TRACES or TRACES)")
    return paths


def bench_trace(cfg, path, tmp):
    """Runs one trace REPS times each way; returns its row for the table."""
    trace = wfdag.load(path)
    scale = wfdag.choose_scale(trace, cfg.target_s, cfg.slots)
    ms = wfdag.scaled_ms(trace, scale)
    b = bound.lower_bound(ms, trace.parents, cfg.slots)
    lb = b.value / 1000
    print(f"\n{trace.name}: {len(ms)} tasks, scale {scale:.4g} (recorded s -> slept s), bound {lb:.1f} s "
          f"({b.binding}; critical path {b.critical_path / 1000:.1f}, work/{cfg.slots} {b.work / 1000:.1f}, "
          f"energetic {b.energetic / 1000:.1f} with r={b.window[0] / 1000:.1f} q={b.window[1] / 1000:.1f})",
          flush=True)
    limit = max(600.0, 10 * lb)
    runs = {"cold": [], "history": [], "snake": []}
    for rep in range(cfg.reps):
        folder = os.path.join(tmp, trace.name, f"rep{rep}")
        store = os.path.join(folder, "store")
        os.makedirs(store)
        for way, env_value in (("cold", f"cold-{rep}"), ("history", f"history-{rep}")):
            r = run_drover(cfg, trace, ms, folder, store, env_value, limit)
            runs[way].append(r)
            print(f"  rep {rep} drover {way:8s} makespan {r['makespan']:6.1f} s  wall {r['wall']:6.1f} s  "
                  f"x bound {r['makespan'] / lb:.2f}  (an attempt takes {r['overhead_ms']:.0f} ms over its sleep; "
                  f"slots idle while a job was ready: {r['idle']:.1f} slot-s, {r['idle'] / len(ms) * 1000:.0f} ms/job)",
                  flush=True)
        if not cfg.skip_snake:
            r = run_snakemake(cfg, trace, ms, os.path.join(folder, "snake"), limit)
            runs["snake"].append(r)
            print(f"  rep {rep} snakemake       makespan {r['makespan']:6.1f} s  wall {r['wall']:6.1f} s  "
                  f"x bound {r['makespan'] / lb:.2f}", flush=True)
    med = {w: (statistics.median(x["makespan"] for x in rs) if rs else None) for w, rs in runs.items()}
    wall = {w: (statistics.median(x["wall"] for x in rs) if rs else None) for w, rs in runs.items()}
    return {"name": trace.name, "tasks": len(ms), "scale": scale, "bound": lb, "binding": b.binding,
            "med": med, "wall": wall}


def verdict(row):
    """'ok', or what the history run missed: the bound, Snakemake, or both."""
    h, snake = row["med"]["history"], row["med"]["snake"]
    missed = []
    if h > 1.10 * row["bound"]:
        missed.append("bound")
    if snake is not None and h > snake:
        missed.append("snakemake")
    return "ok" if not missed else "MISSED " + "+".join(missed)


def fmt(v, spec="6.1f"):
    return format(v, spec) if v is not None else "-".rjust(len(format(0.0, spec)))


def print_tables(cfg, rows):
    """The per-trace table of makespans and ratios, then the wall times."""
    print(f"\nmakespan, seconds from the first job's start to the last job's end "
          f"(median of {cfg.reps}; {cfg.slots} slots; target: history <= 1.10 x bound and <= snakemake)")
    head = (f"{'trace':28s} {'tasks':>5s} {'bound':>6s} {'binding':13s} {'cold':>6s} {'hist':>6s} "
            f"{'snake':>6s} {'cold/bd':>7s} {'hist/bd':>7s} {'hist/sn':>7s}  target")
    print(head)
    print("-" * len(head))
    met = 0
    for r in rows:
        m = r["med"]
        v = verdict(r)
        met += v == "ok"
        sn = m["history"] / m["snake"] if m["snake"] else None
        print(f"{r['name']:28s} {r['tasks']:5d} {r['bound']:6.1f} {r['binding']:13s} {fmt(m['cold'])} "
              f"{fmt(m['history'])} {fmt(m['snake'])} {m['cold'] / r['bound']:7.2f} "
              f"{m['history'] / r['bound']:7.2f} {fmt(sn, '7.2f')}  {v}")
    print(f"target met on {met} of {len(rows)} traces"
          + (" (Snakemake skipped: bound only)" if cfg.skip_snake else ""))
    print("\nwall time of whole runs, seconds (start-up, planning and Snakemake's DAG building included)")
    print(f"{'trace':28s} {'cold':>6s} {'hist':>6s} {'snake':>6s}")
    for r in rows:
        w = r["wall"]
        print(f"{r['name']:28s} {fmt(w['cold'])} {fmt(w['history'])} {fmt(w['snake'])}")


def main():
    cfg = Settings(os.environ)
    if not os.access(cfg.drover, os.X_OK):
        sys.exit(f"no drover at {cfg.drover}: build it first (see bench/README.md) or set DROVER")
    if not cfg.skip_snake and not os.access(cfg.snakemake, os.X_OK):
        sys.exit(f"no snakemake at {cfg.snakemake} (SKIP_SNAKEMAKE=1 runs without it)")
    paths = pick_traces(cfg)
    tmp = tempfile.mkdtemp(prefix="drover-bench-dag.", dir=os.environ.get("TMPDIR") or "/tmp")
    print(f"dag benchmark: {len(paths)} traces, {cfg.reps} repetition(s), {cfg.slots} slots, "
          f"simple bound scaled to {cfg.target_s:g} s; drover {cfg.drover}")
    print(f"machine: {os.cpu_count()} CPUs, {os.uname().sysname} {os.uname().release}; "
          f"{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}; load average at start: "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}; files in {tmp}")
    rows = []
    try:
        for p in paths:
            try:
                rows.append(bench_trace(cfg, p, tmp))
            except RuntimeError as e:
                print(f"  {wfdag.short_name(p)}: {e}", file=sys.stderr)
        if rows:
            print_tables(cfg, rows)
    finally:
        if cfg.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if len(rows) == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main())
