"""drover job client: the Python side of drover's job protocol (stdlib only).

A job talks to drover through environment variables and files, so the engine
never needs to import anything from the job:

``DROVER_METRICS``
    Path of a JSON-lines file. Each metric is appended as one line
    ``{"name": "accuracy", "value": 0.91, "step": 3, "time": 1700000000.1}``
    (``step`` is omitted when not given).
``DROVER_PARAMS``
    JSON object with the job's parameters (axis values as strings).
``DROVER_CHECKPOINT_DIR``
    A directory that survives retries and requeues of the job.
``DROVER_CONTROL``
    Path of a file into which drover may write ``prune`` or ``stop``.
``DROVER_JOB_DIR``, ``DROVER_ATTEMPT``
    The job's directory and the 1-based attempt number.

Outside drover (no environment variables) every function still works, so a
script can be run by hand: :func:`log` prints to stderr, :func:`params` is
empty, :func:`checkpoint_dir` is ``./checkpoint``, :func:`attempt` is 1.

Typical use::

    import drover

    drover.catch_sigterm()                      # the walltime's SIGTERM: should_stop()
    ckpt = os.path.join(drover.checkpoint_dir(), "state.pt")
    for epoch in range(start, epochs):
        ...
        drover.log(step=epoch, loss=loss, accuracy=acc)
        drover.report(acc, step=epoch)          # objective for HPO pruners
        if drover.should_prune():
            break
        if drover.should_stop():
            save(ckpt)
            drover.requeue()                    # exit 85: run me again later
"""

from __future__ import annotations

import json
import math
import numbers
import os
import sys
import time
from typing import Any, Dict, List, NoReturn, Optional

__all__ = [
    "REQUEUE",
    "log",
    "report",
    "params",
    "checkpoint_dir",
    "job_dir",
    "attempt",
    "should_prune",
    "should_stop",
    "catch_sigterm",
    "requeue",
    "under_drover",
    "results",
    "results_frame",
    "metrics",
    "Client",
    "ApiError",
]

# Reading results from the store (outside jobs): drover.results(), .results_frame(), .metrics().
from .results import metrics, results, results_frame  # noqa: E402
# A study, runs and jobs of a `drover serve` elsewhere, over HTTP: drover.Client(url, token).
from .client import ApiError, Client  # noqa: E402

#: Exit status meaning "I checkpointed; run me again" (see :func:`requeue`).
REQUEUE: int = 85

ENV_METRICS = "DROVER_METRICS"
ENV_PARAMS = "DROVER_PARAMS"
ENV_CHECKPOINT_DIR = "DROVER_CHECKPOINT_DIR"
ENV_CONTROL = "DROVER_CONTROL"
ENV_JOB_DIR = "DROVER_JOB_DIR"
ENV_ATTEMPT = "DROVER_ATTEMPT"

#: Metric name used by :func:`report` for intermediate objective values.
OBJECTIVE = "objective"


def _env(name: str) -> Optional[str]:
    """The value of an environment variable, or None when unset or empty."""
    value = os.environ.get(name)
    return value if value else None


def under_drover() -> bool:
    """True when this process runs as a drover job (any DROVER_* variable set)."""
    return any(
        _env(name)
        for name in (ENV_METRICS, ENV_PARAMS, ENV_CHECKPOINT_DIR, ENV_CONTROL,
                     ENV_JOB_DIR, ENV_ATTEMPT)
    )


# ---------------------------------------------------------------- metrics


def _check_value(name: str, value: Any) -> float | int:
    """Validate a metric value and convert it to a plain int or float."""
    # numpy scalars / 0-d arrays / torch scalars expose .item(); unwrap them.
    if not isinstance(value, (numbers.Number, str, bytes)) and hasattr(value, "item"):
        try:
            value = value.item()
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"drover.log: metric {name!r} must be a single number, "
                f"got {type(value).__name__} ({exc})") from None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise ValueError(
            f"drover.log: metric {name!r} must be a number, got a bool ({value!r}); "
            f"log 1 or 0 if you mean it")
    if not isinstance(value, numbers.Real):
        raise ValueError(
            f"drover.log: metric {name!r} must be a real number, "
            f"got {type(value).__name__} ({value!r})")
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(
            f"drover.log: metric {name!r} must be finite, got {value!r}")
    return value


def _check_step(step: Any) -> Optional[int]:
    """Validate a step: None or a non-negative integer."""
    if step is None:
        return None
    if not isinstance(step, (numbers.Number, str, bytes)) and hasattr(step, "item"):
        step = step.item()
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise ValueError(
            f"drover.log: step must be an integer or None, got "
            f"{type(step).__name__} ({step!r})")
    step = int(step)
    if step < 0:
        raise ValueError(f"drover.log: step must be >= 0, got {step}")
    return step


def _format_lines(metrics: Dict[str, Any], step: Optional[int], now: float) -> List[str]:
    lines = []
    for name, value in metrics.items():
        record: Dict[str, Any] = {"name": name, "value": value}
        if step is not None:
            record["step"] = step
        record["time"] = now
        lines.append(json.dumps(record, allow_nan=False) + "\n")
    return lines


def _append(path: str, data: bytes) -> None:
    """Append data to path with one write on an O_APPEND descriptor."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                 0o644)
    try:
        written = os.write(fd, data)
        # A regular file takes the whole buffer in one write; a short write
        # (disk full, signal) is finished rather than leaving half a line.
        while written < len(data):
            written += os.write(fd, data[written:])
    finally:
        os.close(fd)


def log(step: Optional[int] = None, **metrics: Any) -> None:
    """Record one or more metrics, optionally at a step (epoch, iteration).

    ``drover.log(accuracy=0.91, loss=0.3, step=3)`` appends one JSON line per
    metric to ``$DROVER_METRICS``. All lines of one call go out in a single
    ``os.write`` on an ``O_APPEND`` descriptor, so they are never interleaved
    with other writers or cut in half. The last value of a metric is the job's
    result for that metric.

    Values must be real, finite numbers (int, float, numpy scalars); bools,
    NaN, infinities, strings and other objects raise :class:`ValueError`, and
    nothing is written when any value is invalid.

    Outside drover (``DROVER_METRICS`` unset) the metrics are printed to stderr.
    """
    if not metrics:
        raise ValueError("drover.log: give at least one metric, e.g. drover.log(accuracy=0.9)")
    step = _check_step(step)
    clean = {}
    for name, value in metrics.items():
        if not name:
            raise ValueError("drover.log: metric names must be non-empty")
        clean[name] = _check_value(name, value)
    now = time.time()

    path = _env(ENV_METRICS)
    if path is None:
        at = f" step={step}" if step is not None else ""
        text = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in clean.items())
        sys.stderr.write(f"[drover]{at} {text}\n")
        sys.stderr.flush()
        return
    _append(path, "".join(_format_lines(clean, step, now)).encode("utf-8"))
    if step is not None:
        global _last_step
        _last_step = step


def report(value: float, step: Optional[int] = None) -> None:
    """Report the objective (the metric ``objective``, a study's default).

    With ``step`` (the epoch): an intermediate value, which the study's pruner
    sees while the trial runs; pair it with :func:`should_prune`. Without: the
    trial's result (the last value of ``objective`` is the trial's value).
    """
    log(step=step, **{OBJECTIVE: value})


# ---------------------------------------------------------------- parameters, dirs


def params() -> Dict[str, Any]:
    """The job's parameters from ``$DROVER_PARAMS`` ({} when not under drover).

    Axis values arrive as strings, exactly as written in the workflow; convert
    them yourself (``float(drover.params()["fraction"])``). The variable holds
    a JSON object; for convenience it may also name a file holding one.
    """
    raw = _env(ENV_PARAMS)
    if raw is None:
        return {}
    text = raw
    if not raw.lstrip().startswith("{") and os.path.isfile(raw):
        with open(raw, encoding="utf-8") as f:
            text = f.read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"drover.params: ${ENV_PARAMS} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(
            f"drover.params: ${ENV_PARAMS} must be a JSON object, got {type(value).__name__}")
    return value


def checkpoint_dir() -> str:
    """A directory for checkpoints that survives retries and requeues.

    Under drover this is ``$DROVER_CHECKPOINT_DIR``; otherwise ``./checkpoint``.
    The directory is created if missing. Write checkpoints atomically (write a
    temporary file, then ``os.replace``) so a kill never leaves half a file.
    """
    path = _env(ENV_CHECKPOINT_DIR) or os.path.join(os.getcwd(), "checkpoint")
    os.makedirs(path, exist_ok=True)
    return path


def job_dir() -> str:
    """The job's own directory (``$DROVER_JOB_DIR``; the cwd when not under drover)."""
    return _env(ENV_JOB_DIR) or os.getcwd()


def attempt() -> int:
    """The 1-based attempt number of this job (1 when not under drover)."""
    raw = _env(ENV_ATTEMPT)
    if raw is None:
        return 1
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"drover.attempt: ${ENV_ATTEMPT} is not an integer: {raw!r}") from None
    if value < 1:
        raise ValueError(f"drover.attempt: ${ENV_ATTEMPT} must be >= 1, got {value}")
    return value


# ---------------------------------------------------------------- control


def _control_words() -> List[str]:
    path = _env(ENV_CONTROL)
    if path is None:
        return []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().split()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return []


#: The step last logged by this process (None: none yet), for the rung wait below.
_last_step: Optional[int] = None

#: The longest :func:`should_prune` waits at a rung for drover to read the step.
RUNG_WAIT_S: float = 30.0


def _number_after(words: List[str], key: str) -> Optional[int]:
    for k, v in zip(words, words[1:]):
        if k == key:
            try:
                return int(v)
            except ValueError:
                return None
    return None


def _at_unread_rung(words: List[str]) -> bool:
    """True when the last logged step is at or past the pruner's next decision step
    (``next N`` in the control file, else ``$DROVER_NEXT_RUNG`` until drover writes that file)
    and drover has not read it yet (``seen M``, M < step)."""
    rung = _number_after(words, "next")
    # "seen M" without "next": drover has no decision step to name now (a median pruner
    # past the steps completed trials reported); $DROVER_NEXT_RUNG is only for before
    # drover first wrote the file.
    if rung is None and "seen" not in words and _env("DROVER_NEXT_RUNG") is not None:
        try:
            rung = int(_env("DROVER_NEXT_RUNG"))
        except ValueError:
            rung = None
    if _last_step is None or rung is None or _last_step < rung:
        return False
    seen = _number_after(words, "seen")
    return seen is None or seen < _last_step


def should_prune() -> bool:
    """True when drover asked this trial to stop early because it is unpromising.

    Reads ``$DROVER_CONTROL``; False when the variable is unset or the file
    is absent. Check it after each :func:`report`, and return normally (exit 0)
    when it is True. At a step where the pruner decides (a rung of a
    successive-halving or Hyperband pruner; each step a median or percentile
    pruner judges, once its startup trials completed), which drover writes as
    ``next N``, it waits, at most
    :data:`RUNG_WAIT_S`, until drover has read the step (``seen M``), so that
    fast epochs never run past a rung before the decision.
    """
    words = _control_words()
    deadline = time.monotonic() + RUNG_WAIT_S
    while "prune" not in words and _at_unread_rung(words) and time.monotonic() < deadline:
        time.sleep(0.01)
        words = _control_words()
    return "prune" in words


_sigterm_seen = False


def catch_sigterm() -> None:
    """Makes a SIGTERM turn :func:`should_stop` True instead of ending the process.

    drover does not write ``stop`` to ``$DROVER_CONTROL`` before the walltime: its
    notice is SIGTERM to the job's process group, ``grace`` seconds before SIGKILL (the
    same on ``drover cancel`` and Ctrl-C). Call this once, from the main thread, and
    check :func:`should_stop` where the job can save (after each epoch): one test covers
    both the signal and a ``stop`` in the control file.
    """
    import signal

    def _on_sigterm(signum: int, frame: Any) -> None:
        global _sigterm_seen
        _sigterm_seen = True

    signal.signal(signal.SIGTERM, _on_sigterm)


def should_stop() -> bool:
    """True when drover asked this job to stop soon (shutdown, walltime, preemption).

    Save a checkpoint in :func:`checkpoint_dir` and call :func:`requeue`.
    True after a SIGTERM once :func:`catch_sigterm` was called, or when
    ``$DROVER_CONTROL`` says ``stop``; False otherwise.
    """
    return _sigterm_seen or "stop" in _control_words()


def requeue() -> NoReturn:
    """Exit with status :data:`REQUEUE` (85): "checkpointed, run me again".

    drover runs the job again (``attempt()`` grows by one) with the same
    :func:`checkpoint_dir`, so the next attempt can resume from there.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        sys.exit(REQUEUE)
