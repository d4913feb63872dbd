"""drover.Client: a study, runs, jobs and tables of a `drover serve` on another machine.

Standard library only (urllib). Each method is one HTTP request to the server's JSON
API; an answer that is not 2xx raises :class:`ApiError` with its status and the
server's message. Typical use, in a training job far from the store::

    import drover

    c = drover.Client("http://hpo-host:8765", token=os.environ.get("DROVER_TOKEN"))
    t = c.ask("lr-search")                      # {"number": 7, "params": {...}}
    for epoch in range(epochs):
        loss = train_one_epoch(**t["params"])
        if c.report("lr-search", t["number"], epoch, loss):
            c.tell("lr-search", t["number"], state="pruned")
            break
    else:
        c.tell("lr-search", t["number"], loss)

The token is sent as ``Authorization: Bearer ...`` (create one with ``drover token
create NAME --role submit``); a loopback server with no tokens needs none.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional

__all__ = ["Client", "ApiError"]


class ApiError(Exception):
    """An answer of the server that is not 2xx: ``status`` (400 bad input, 401/403
    token, 404 unknown, 409 conflict, 413 too large, 5xx server) and ``message``
    (the server's words). ``status`` is 0 when the server could not be reached."""

    def __init__(self, status: int, message: str, method: str = "", path: str = ""):
        self.status = status
        self.message = message
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}{status} {message}" if status else f"{where}{message}")


class Client:
    """A client of one ``drover serve`` at ``url`` (``http://host:port``; a login link's
    ``?token=...`` is taken as the token)."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 60.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"drover.Client: url must look like http://HOST:PORT, got {url!r}")
        if token is None:
            token = urllib.parse.parse_qs(parts.query).get("token", [None])[0]
        self.url = f"{parts.scheme}://{parts.netloc}"
        self.token = token
        self.timeout = timeout

    # -- studies ---------------------------------------------------------------------
    def create_study(self, name: str, space: Dict[str, Any], sampler: Any = "tpe",
                     pruner: Any = "none", direction: str = "minimize", seed: int = 0) -> Dict:
        """Creates a study (the fields of ``drover study create``); returns it."""
        return self._call("POST", "/api/v1/studies", body={
            "name": name, "space": space, "sampler": sampler, "pruner": pruner,
            "direction": direction, "seed": seed})

    def studies(self) -> List[Dict]:
        """The studies of the store, with their trial counts per state."""
        return self._call("GET", "/api/v1/studies")["studies"]

    def study(self, name: str) -> Dict:
        """A study's definition, counts and best trial."""
        return self._call("GET", self._study(name))

    def ask(self, study: str) -> Dict:
        """A new trial: ``{"number": N, "params": {...}}``."""
        return self._call("POST", self._study(study) + "/ask", body={})

    def tell(self, study: str, number: int, value: Optional[float] = None,
             state: Optional[str] = None) -> Dict:
        """Finishes trial ``number`` with its ``value``, or ``state="pruned"``/``"failed"``.
        A trial already told raises ApiError with status 409."""
        if (value is None) == (state is None):
            raise ValueError("tell: give the trial's value, or state='pruned' / 'failed'")
        body = {"value": value} if state is None else {"state": state}
        return self._call("POST", f"{self._study(study)}/trials/{int(number)}/tell", body=body)

    def report(self, study: str, number: int, step: int, value: float) -> bool:
        """Records an intermediate value; True when the pruner says stop this trial."""
        out = self._call("POST", f"{self._study(study)}/trials/{int(number)}/report",
                         body={"step": int(step), "value": value})
        return bool(out["prune"])

    def best(self, study: str) -> Optional[Dict]:
        """The best completed trial (``number``, ``value``, ``params``, ...), or None."""
        return self.study(study)["best"]

    def trials(self, study: str, state: Optional[str] = None, sort: str = "number",
               order: str = "asc", offset: int = 0, limit: int = 100000) -> List[Dict]:
        """The study's trials (sorted by ``sort``: number, value, state, started, ended,
        duration or params.NAME), at most ``limit`` from ``offset``."""
        q = {"sort": sort, "order": order, "offset": offset, "limit": limit}
        if state:
            q["state"] = state
        return self._call("GET", self._study(study) + "/trials", query=q)["trials"]

    def importance(self, study: str) -> Dict:
        """Parameter importance: ``{"method", "params": [{"name", "importance"}, ...]}``."""
        return self._call("GET", self._study(study) + "/importance")

    # -- runs, jobs, tables ----------------------------------------------------------
    def runs(self, workflow: Optional[str] = None) -> List[Dict]:
        """The store's runs, newest first, with job counts per step and state."""
        return self._call("GET", "/api/v1/runs", query={"workflow": workflow})["runs"]

    def jobs(self, workflow: Optional[str] = None, step: Optional[str] = None,
             state: Optional[str] = None, offset: int = 0, limit: int = 100,
             **axes: Any) -> Dict:
        """``{"jobs": [...], "total": N}``; ``axes`` filter by axis value (``seed=0``)."""
        q = {"workflow": workflow, "step": step, "state": state, "offset": offset, "limit": limit}
        q.update({f"axis.{k}": v for k, v in axes.items()})
        return self._call("GET", "/api/v1/jobs", query=q)

    def table(self, workflow: Optional[str] = None, rows: Optional[str] = None,
              cols: Optional[str] = None, value: Optional[str] = None,
              agg: Optional[str] = None) -> Dict:
        """A results table, as ``drover table`` makes it."""
        return self._call("GET", "/api/v1/table", query={
            "workflow": workflow, "rows": rows, "cols": cols, "value": value, "agg": agg})

    # -- plumbing --------------------------------------------------------------------
    @staticmethod
    def _study(name: str) -> str:
        return "/api/v1/studies/" + urllib.parse.quote(name, safe="")

    def _call(self, method: str, path: str, body: Any = None,
              query: Optional[Dict[str, Any]] = None) -> Any:
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                path += "?" + urllib.parse.urlencode(q)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                text = res.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                message = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                message = raw.decode("utf-8", "replace").strip() or e.reason
            raise ApiError(e.code, str(message), method, path) from None
        except urllib.error.URLError as e:
            raise ApiError(0, f"cannot reach {self.url}: {e.reason}", method, path) from None
        return json.loads(text) if text else None
