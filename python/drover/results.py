"""Reading results from a drover store (stdlib only; the store opened read-only).

The rows are those of ``drover export`` with its default selection, read the same way:
per workflow, the jobs of the plan of its file as written (all its axis values; steps,
then axis values, in the file's order) as the last ``drover run`` or ``drover plan``
recorded it in the store, each with its latest attempt that succeeded (whichever run and
key made it; a job that never succeeded gives its latest attempt; one never run is
``pending``); jobs of ``--set`` values the file no longer has are left out. A workflow
without a recorded plan (last run by an older drover) gives the store's jobs in the order
they were first planned.
Each row is a dict with the export's columns as keys, in its order and with ``None`` for
a missing value: ``workflow``, ``run``, ``step``, one key per axis (an axis named like a
fixed key is ``axis.NAME``), ``job``, ``state``, ``key``, ``attempt``, ``start`` (UTC,
ISO 8601), ``duration`` (seconds), ``host``, ``slurm_id``, ``metric.NAME`` (last values,
sorted by name) and ``output.PATH`` (absolute paths, sorted).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

FIXED_BEFORE = ("workflow", "run", "step")
FIXED_AFTER = ("job", "state", "key", "attempt", "start", "duration", "host", "slurm_id")

_QUERY = """
SELECT w.name, j.id, j.key, j.step, j.name, j.params, j.dir, j.state, j.run_id,
       a.number, a.state, a.started, a.ended, a.host, a.handle,
       (SELECT count(*) FROM attempts a3 WHERE a3.job_id = j.id),
       CASE WHEN a.id IS NULL OR coalesce(a.started, 0) = 0 THEN j.run_id ELSE
         coalesce((SELECT max(r.id) FROM runs r WHERE r.workflow_id = j.workflow_id
                   AND r.started <= a.started), 0) END
FROM jobs j JOIN workflows w ON w.id = j.workflow_id
LEFT JOIN attempts a ON a.job_id = j.id
WHERE (:workflow = '' OR w.name = :workflow) AND (:step = '' OR j.step = :step)
ORDER BY j.id, a.number
"""


def find_store(store: Optional[str] = None) -> str:
    """The folder holding .drover/: `store`, else the nearest above the current folder."""
    if store is not None:
        if not os.path.isfile(os.path.join(store, ".drover", "drover.db")):
            raise FileNotFoundError(f"drover: no drover store in {store} (no .drover/drover.db)")
        return os.path.abspath(store)
    here = os.getcwd()
    while True:
        if os.path.isfile(os.path.join(here, ".drover", "drover.db")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            raise FileNotFoundError(
                f"drover: no drover store in {os.getcwd()} or above: run `drover run` "
                f"first, or pass store=DIR")
        here = parent


def _connect(root: str) -> sqlite3.Connection:
    path = os.path.join(root, ".drover", "drover.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _latest_succeeded(rows: List[Any]) -> List[Any]:
    """Per (workflow, name): the attempt that succeeded last, else the newest row; in the
    order of each name's first job id (report/export.cc LatestSucceeded)."""
    picks: Dict[Any, List[Any]] = {}
    for r in rows:
        k = (r[0], r[4])
        if k not in picks:
            picks[k] = [r[1], r]
            continue
        best = picks[k][1]
        ok, best_ok = r[10] == "succeeded", best[10] == "succeeded"
        if (ok and (not best_ok or (r[12] or 0) >= (best[12] or 0))) or (not ok and not best_ok):
            picks[k][1] = r
    return [p[1] for p in sorted(picks.values(), key=lambda p: p[0])]


def _recorded_plan(con: sqlite3.Connection, workflow: str,
                   step: str) -> Optional[List[Tuple[str, str, str]]]:
    """The plan of `workflow`'s file as recorded at its last run or plan: (step, name,
    params) in order, of `step` alone when given; None when none was recorded."""
    if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='plans'").fetchone() is None:
        return None  # a store from before the plan record
    if con.execute("SELECT 1 FROM plans p JOIN workflows w ON w.id = p.workflow_id "
                   "WHERE w.name = ?", (workflow,)).fetchone() is None:
        return None
    return con.execute(
        "SELECT p.step, p.name, p.params FROM plan_jobs p JOIN workflows w "
        "ON w.id = p.workflow_id WHERE w.name = :w AND (:step = '' OR p.step = :step) "
        "ORDER BY p.seq", {"w": workflow, "step": step}).fetchall()


class _Planned(NamedTuple):
    """A job of a recorded plan that the store has no row for: it shows as pending."""
    workflow: str
    step: str
    name: str
    params: str


def _in_plan_order(con: sqlite3.Connection, picks: List[Any], step: str) -> List[Any]:
    """`picks` per workflow (in order of first appearance) in the order of its recorded
    plan; a planned job without a row is a _Planned."""
    order: List[str] = []
    by_workflow: Dict[str, List[Any]] = {}
    for r in picks:
        if r[0] not in by_workflow:
            order.append(r[0])
            by_workflow[r[0]] = []
        by_workflow[r[0]].append(r)
    out: List[Any] = []
    for w in order:
        plan = _recorded_plan(con, w, step)
        if plan is None:
            out.extend(by_workflow[w])
            continue
        by_name = {r[4]: r for r in by_workflow[w]}
        for p_step, name, params in plan:
            out.append(by_name.get(name) or _Planned(w, p_step, name, params))
    return out


def _iso(seconds: Optional[float]) -> Optional[str]:
    if not seconds or seconds <= 0:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(seconds)))


def _axes(params: str) -> List[Tuple[str, Any]]:
    """A job's axis values in the order of its params JSON (non-strings as JSON)."""
    values = json.loads(params) if params else {}
    if not isinstance(values, dict):
        return []
    return [(k, v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
            for k, v in values.items()]


class _Job:
    """One row's job: its fixed cells, axis values, last metrics and outputs."""

    def __init__(self, con: sqlite3.Connection, root: str, r: Any):
        if isinstance(r, _Planned):  # planned, never in the store
            self.workflow, self.step, self.name = r.workflow, r.step, r.name
            self.axes = _axes(r.params)
            self.fixed = {"job": self.name, "state": "pending", "key": "", "attempt": None,
                          "start": None, "duration": None, "host": None, "slurm_id": None}
            self.run, self.metrics, self.outputs = None, {}, {}
            return
        self.workflow, self.step, self.name = r[0], r[3], r[4]
        self.axes = _axes(r[5])
        self.run = r[16] or None
        started, ended, handle = r[11] or 0, r[12] or 0, r[14] or ""
        has = r[9] is not None
        self.fixed = {
            "job": r[4], "state": r[10] if has else r[7], "key": r[2],
            "attempt": r[9] if has else None,
            "start": _iso(started) if has else None,
            "duration": (round(ended - started, 3)
                         if has and started > 0 and ended >= started else None),
            "host": (r[13] or None) if has else None,
            "slurm_id": handle[len("slurm:"):] if has and handle.startswith("slurm:") else None,
        }
        self.metrics: Dict[str, float] = {}
        self.outputs: Dict[str, str] = {}
        if r[9] is None or r[9] == r[15]:  # the store keeps the latest attempt's metrics
            for name, value in con.execute(
                    "SELECT name, value FROM metrics WHERE job_id = ? ORDER BY seq", (r[1],)):
                self.metrics[name] = value
            prefix = r[6] + "/"
            for (path,) in con.execute("SELECT path FROM artifacts WHERE job_id = ?", (r[1],)):
                name = path[len(prefix):] if path.startswith(prefix) else path
                self.outputs[name] = root + "/" + path


def _rows(jobs: List[_Job]) -> List[Dict[str, Any]]:
    """The jobs as dicts with every column (report/export.cc BuildExport), in its order."""
    axes: List[str] = []
    for j in jobs:
        axes.extend(name for name, _ in j.axes if name not in axes)
    metrics = sorted({m for j in jobs for m in j.metrics})
    outputs = sorted({o for j in jobs for o in j.outputs})
    out = []
    for j in jobs:
        row: Dict[str, Any] = {"workflow": j.workflow, "run": j.run, "step": j.step}
        values = dict(j.axes)
        for a in axes:
            row["axis." + a if a in FIXED_BEFORE + FIXED_AFTER else a] = values.get(a)
        row.update(j.fixed)
        for m in metrics:
            v = j.metrics.get(m)
            row["metric." + m] = v if v is not None and math.isfinite(v) else None
        for o in outputs:
            row["output." + o] = j.outputs.get(o)
        out.append(row)
    return out


def results(workflow: Optional[str] = None, step: Optional[str] = None,
            store: Optional[str] = None) -> List[Dict[str, Any]]:
    """The rows of ``drover export`` (default selection), as dicts (see the module's doc).

    ``workflow`` and ``step`` keep only those jobs; ``store`` is the folder holding
    ``.drover/`` (default: the nearest above the current folder). Read-only.
    """
    root = find_store(store)
    con = _connect(root)
    try:
        rows = con.execute(_QUERY, {"workflow": workflow or "", "step": step or ""}).fetchall()
        picked = _in_plan_order(con, _latest_succeeded(rows), step or "")
        return _rows([_Job(con, root, r) for r in picked])
    finally:
        con.close()


NUMERIC = ("run", "attempt", "duration")  # and every metric.NAME column


def results_frame(workflow: Optional[str] = None, step: Optional[str] = None,
                  store: Optional[str] = None):
    """:func:`results` as a pandas DataFrame: the columns of ``drover export``, in its
    order; ``run``, ``attempt``, ``duration`` and each ``metric.NAME`` numeric (float64
    where a value is missing, which is NaN), the others text (``None`` when missing).
    Raises ImportError, saying how to install it, when pandas is not installed."""
    try:
        import pandas  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError(
            "drover.results_frame needs pandas, which is not installed: install it "
            "(Debian: apt-get install python3-pandas) or use drover.results(), which "
            "returns plain dicts") from None
    rows = results(workflow=workflow, step=step, store=store)
    columns: List[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    frame = pandas.DataFrame(rows, columns=columns)
    for c in columns:
        if c in NUMERIC or c.startswith("metric."):
            frame[c] = pandas.to_numeric(frame[c], errors="coerce")
    return frame


def metrics(job: str, workflow: Optional[str] = None,
            store: Optional[str] = None) -> List[Dict[str, Any]]:
    """A job's whole metric history: dicts with name, step (None when not given), value
    and time, in the order logged. ``job`` is a name as ``drover jobs`` prints it
    (the newest job of that name), a key or a key prefix of 6 or more digits."""
    root = find_store(store)
    con = _connect(root)
    try:
        found = con.execute(
            "SELECT j.id FROM jobs j JOIN workflows w ON w.id = j.workflow_id "
            "WHERE (j.name = :ref OR j.key = :ref OR (length(:ref) >= 6 AND j.key LIKE :ref || '%')) "
            "AND (:workflow = '' OR w.name = :workflow) ORDER BY j.id DESC LIMIT 1",
            {"ref": job, "workflow": workflow or ""}).fetchone()
        if found is None:
            raise KeyError(f"drover.metrics: no job matches {job!r} (give a name as "
                           f"`drover jobs` prints it, or a key)")
        return [{"name": n, "step": s, "value": v, "time": t} for n, s, v, t in con.execute(
            "SELECT name, step, value, time FROM metrics WHERE job_id = ? ORDER BY seq",
            (found[0],))]
    finally:
        con.close()
