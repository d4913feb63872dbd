"""Shared helpers for drover's integration tests: real drover processes, real job
processes and a real SQLite store, each test in its own temporary folder."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import textwrap
import unittest

DROVER = os.environ.get("DROVER_BIN") or os.path.join(
    os.environ.get("DROVER_BUILD_DIR", "build"), "drover")


class DroverTest(unittest.TestCase):
    """A temporary project folder with a workflow file; `drover()` runs the CLI there."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="drover-it-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def drover(self, *args, check=True, timeout=300, env=None):
        full_env = dict(os.environ)
        full_env.pop("NO_COLOR", None)
        if env:
            full_env.update(env)
        p = subprocess.run([DROVER, *args], cwd=self.dir, capture_output=True, text=True,
                           timeout=timeout, env=full_env)
        if check and p.returncode != 0:
            self.fail(f"drover {' '.join(args)} exited {p.returncode}\n"
                      f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p

    def spawn(self, *args):
        return subprocess.Popen([DROVER, *args], cwd=self.dir, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def lines(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [l.rstrip("\n") for l in f if l.strip()]

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, ".drover", "drover.db"))

    def query(self, sql, *args):
        with self.db() as c:
            return c.execute(sql, args).fetchall()

    def query_when_ready(self, sql, *args):
        """Like query, but None while drover is still creating the store (no file or
        no tables yet): for tests that poll a store a running drover writes."""
        if not os.path.exists(os.path.join(self.dir, ".drover", "drover.db")):
            return None
        try:
            return self.query(sql, *args)
        except sqlite3.OperationalError:
            return None

    def job_state(self, name):
        rows = self.query("SELECT state FROM jobs WHERE name=? ORDER BY id DESC LIMIT 1", name)
        return rows[0][0] if rows else None

    def attempts(self, name):
        return self.query("SELECT a.number, a.state, a.exit_code, a.started, a.reason "
                          "FROM attempts a JOIN jobs j ON j.id=a.job_id WHERE j.name=? "
                          "ORDER BY a.number", name)
