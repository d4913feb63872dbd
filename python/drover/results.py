"""Reading results from a drover store (stdlib only; the store opened read-only).

The rows are those of ``drover export`` with its default selection, read from the
store alone (without the workflow file's plan): per workflow and job name, the latest
attempt that succeeded (whichever run and key made it; a job that never succeeded gives
its latest attempt), in the order the jobs were first planned.
Each row is a dict with the same keys as the export's columns: ``workflow``, ``run``,
``step``, one key per axis (an axis named like a fixed key is ``axis.NAME``), ``job``,
``state``, ``key``, ``attempt``, ``start`` (UTC, ISO 8601), ``duration`` (seconds),
``host``, ``slurm_id``, ``metric.NAME`` (last values) and ``output.PATH`` (absolute paths).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from typing import Any, Dict, List, Optional

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


def _latest_succeeded(rows: List[sqlite3.Row]) -> List[sqlite3.Row]:
    """Per (workflow, name): the attempt that succeeded last, else the newest row."""
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


def _iso(seconds: Optional[float]) -> Optional[str]:
    if not seconds:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(seconds)))


def _row(con: sqlite3.Connection, root: str, r: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {"workflow": r[0], "run": r[16] or None, "step": r[3]}
    params = json.loads(r[5]) if r[5] else {}
    for name, value in params.items():
        out["axis." + name if name in FIXED_BEFORE + FIXED_AFTER else name] = value
    started, ended, handle = r[11], r[12], r[14] or ""
    out.update({
        "job": r[4], "state": r[10] if r[9] is not None else r[7], "key": r[2],
        "attempt": r[9],
        "start": _iso(started),
        "duration": round(ended - started, 3) if started and ended and ended >= started else None,
        "host": r[13] or None,
        "slurm_id": handle[len("slurm:"):] if handle.startswith("slurm:") else None,
    })
    if r[9] is None or r[9] == r[15]:  # the store keeps the latest attempt's metrics
        last: Dict[str, float] = {}
        for name, value in con.execute(
                "SELECT name, value FROM metrics WHERE job_id = ? ORDER BY seq", (r[1],)):
            last[name] = value
        for name in sorted(last):
            out["metric." + name] = last[name]
        prefix = r[6] + "/"
        for (path,) in con.execute(
                "SELECT path FROM artifacts WHERE job_id = ? ORDER BY path", (r[1],)):
            name = path[len(prefix):] if path.startswith(prefix) else path
            out["output." + name] = os.path.join(root, path)
    return out


def results(workflow: Optional[str] = None, step: Optional[str] = None,
            store: Optional[str] = None) -> List[Dict[str, Any]]:
    """One dict per job: each job name's latest succeeded attempt (see the module's doc).

    ``workflow`` and ``step`` keep only those jobs; ``store`` is the folder holding
    ``.drover/`` (default: the nearest above the current folder). Read-only.
    """
    root = find_store(store)
    con = _connect(root)
    try:
        rows = con.execute(_QUERY, {"workflow": workflow or "", "step": step or ""}).fetchall()
        return [_row(con, root, r) for r in _latest_succeeded(rows)]
    finally:
        con.close()


def results_frame(workflow: Optional[str] = None, step: Optional[str] = None,
                  store: Optional[str] = None):
    """:func:`results` as a pandas DataFrame (columns as ``drover export`` writes them)."""
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
    return pandas.DataFrame(rows, columns=columns)


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
