"""The page of `drover serve` in headless Chromium, on a real run's store and a real study:
each view loads with real data (rows, cells, counts in the DOM), the study's plots have
their points, and the login link leaves a cookie and a URL without the token. One
screenshot per view is kept under $DROVER_BUILD_DIR/artefacts/page/."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import DROVER
from page_util import start_browser, start_server, stop_server, wait_for

# model: 3 values, seed: 2; each train job logs loss at steps 0..4 and an accuracy.
WORKFLOW = """\
name: pagetest
axes:
  model: [mlp, forest, logreg]
  seed: [0, 1]
steps:
  train:
    over: [model, seed]
    run: python3 train.py {model} {seed}
report:
  table: {rows: [model], cols: [seed], value: accuracy}
"""

TRAIN = """\
import json, os, sys
base = {"mlp": 0.9, "forest": 0.8, "logreg": 0.7}[sys.argv[1]]
print("training", sys.argv[1], "seed", sys.argv[2], flush=True)
with open(os.environ["DROVER_METRICS"], "a") as f:
    for step in range(5):
        f.write(json.dumps({"name": "loss", "step": step, "value": 1.0 / (step + 1)}) + "\\n")
    f.write(json.dumps({"name": "accuracy", "value": base + int(sys.argv[2]) / 100}) + "\\n")
print("done", flush=True)
"""

SPACE = {"x": {"type": "float", "low": -5, "high": 5},
         "depth": {"type": "int", "low": 1, "high": 8},
         "act": {"type": "categorical", "choices": ["relu", "tanh"]}}

TRIALS = 8          # trials told in the study
PRUNED = {2, 5}     # these trial numbers are told pruned after reporting
STEPS = 3           # intermediate values reported per trial

ARTEFACTS = os.path.join(os.environ.get("DROVER_BUILD_DIR", "build"), "artefacts", "page")


def run(args, cwd, timeout=120):
    p = subprocess.run([DROVER, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"drover {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p.stdout


def make_store(d):
    """A finished sweep of 6 jobs with metrics, and study 'page' with TRIALS trials."""
    with open(os.path.join(d, "drover.yaml"), "w") as f:
        f.write(WORKFLOW)
    with open(os.path.join(d, "train.py"), "w") as f:
        f.write(TRAIN)
    with open(os.path.join(d, "space.json"), "w") as f:
        json.dump(SPACE, f)
    run(["run", "-q"], d, timeout=300)
    run(["study", "create", "page", "--space", "space.json", "--sampler", "random",
         "--direction", "minimize", "--seed", "3"], d)
    values = {}
    for _ in range(TRIALS):
        trial = json.loads(run(["study", "ask", "page"], d))
        n, x = trial["number"], trial["params"]["x"]
        for step in range(STEPS):
            run(["study", "report", "page", str(n), str(step), repr(x * x + 1.0 / (step + 1))], d)
        if n in PRUNED:
            run(["study", "tell", "page", str(n), "--pruned"], d)
        else:
            values[n] = x * x
            run(["study", "tell", "page", str(n), repr(values[n])], d)
    return values


class PageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="drover-page-")
        cls.values = make_store(cls.dir)
        cls.server, cls.url = start_server(DROVER, cls.dir)
        cls.base = cls.url.split("/?")[0].rstrip("/")
        try:
            cls.driver = start_browser()
        except Exception:
            stop_server(cls.server)
            raise
        os.makedirs(ARTEFACTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        shutil.rmtree(cls.driver.drover_profile, ignore_errors=True)
        stop_server(cls.server)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def open(self, path):
        self.driver.get(self.base + path)
        wait_for(self.driver, "document.querySelector('#view') && document.querySelector('#view').children.length",
                 what=f"the view at {path}")

    def shot(self, name):
        """Saves the whole page (up to 3000 px tall) as ARTEFACTS/name.png."""
        width = self.driver.execute_script("return window.outerWidth")
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(max(height + 140, 900), 3000))
        time.sleep(0.5)  # a frame for the plots to follow the new size
        self.driver.save_screenshot(os.path.join(ARTEFACTS, f"{name}.png"))
        self.driver.set_window_size(width, 900)

    def no_errors(self):
        errors = self.driver.execute_script(
            "return [...document.querySelectorAll('.notice.error')].map(e => e.textContent)")
        self.assertEqual(errors, [])
        # A missing value must never show as the words null or undefined.
        stray = self.driver.execute_script(
            "return (document.body.innerText.match(/null|undefined|NaN/g) || [])")
        self.assertEqual(stray, [])

    def test_runs_view_shows_the_run_with_its_counts(self):
        self.open("/runs")
        wait_for(self.driver, "document.querySelectorAll('#runs tr[data-run]').length == 1", what="one run row")
        row = self.driver.execute_script("return document.querySelector('#runs tr[data-run]').innerText")
        self.assertIn("pagetest", row)
        self.assertIn("6/6", row)
        self.shot("runs")
        run_id = self.driver.execute_script("return document.querySelector('#runs tr[data-run]').dataset.run")
        self.open(f"/runs/{run_id}")
        wait_for(self.driver, "document.querySelector('.step[data-step=train]')", what="the train step")
        counts = self.driver.execute_script(
            "return [...document.querySelectorAll('.step[data-step=train] [data-state]')].map(e => e.textContent)")
        self.assertEqual(counts, ["succeeded 6"])
        stats = self.driver.execute_script("return document.querySelector('#run-stats').innerText")
        self.assertRegex(stats, r"6\s+DONE")
        self.no_errors()
        self.shot("run")

    def test_jobs_view_lists_and_filters_jobs(self):
        self.open("/jobs")
        wait_for(self.driver, "document.querySelector('#jobs-table').dataset.total == '6'", what="6 jobs")
        wait_for(self.driver, "document.querySelectorAll('#jobs-table .vt-row[data-index]').length == 6",
                 what="6 rows")
        text = self.driver.execute_script("return document.querySelector('#jobs-table').innerText")
        self.assertIn("model=forest", text)
        self.assertIn("accuracy=0.81", text)
        self.shot("jobs")
        self.open("/jobs?step=train&state=succeeded&axis.model=mlp")
        wait_for(self.driver, "document.querySelector('#jobs-table').dataset.total == '2'", what="2 mlp jobs")
        wait_for(self.driver, "document.querySelectorAll('#jobs-table .vt-row[data-index]').length == 2",
                 what="2 rows")
        self.no_errors()

    def test_job_page_shows_command_metrics_and_log(self):
        self.open("/jobs?axis.model=logreg&axis.seed=1")
        wait_for(self.driver, "document.querySelector('#jobs-table .vt-row[data-index] a')", what="a job link")
        self.driver.execute_script("document.querySelector('#jobs-table .vt-row[data-index] a').click()")
        wait_for(self.driver, "document.querySelector('#job-command')", what="the command")
        self.assertIn("/jobs/", self.driver.current_url)
        self.assertIn("train.py logreg 1",
                      self.driver.execute_script("return document.querySelector('#job-command').textContent"))
        wait_for(self.driver, "document.querySelector('.chart[data-metric=loss]')?.dataset.points == '5'",
                 what="5 points of loss")
        wait_for(self.driver, "document.querySelector('#job-log').textContent.includes('training logreg seed 1')",
                 what="the log tail")
        rows = self.driver.execute_script("return document.querySelectorAll('#job-attempts tbody tr').length")
        self.assertEqual(rows, 1)
        self.no_errors()
        self.shot("job")

    def test_results_view_shows_the_report_table_and_a_csv(self):
        self.open("/results?workflow=pagetest")
        wait_for(self.driver, "document.querySelector('#results-table')", what="the table")
        text = self.driver.execute_script("return document.querySelector('#results-table').innerText")
        for cell in ("mlp", "forest", "logreg", "0.91", "0.7"):
            self.assertIn(cell, text)
        href = self.driver.execute_script("return document.querySelector('#csv').href")
        self.assertTrue(href.startswith("blob:"), href)
        self.no_errors()
        self.shot("results")

    def test_study_view_plots_have_their_points(self):
        self.open("/studies")
        wait_for(self.driver, "document.querySelector('#studies tr[data-study=page]')", what="the study row")
        self.shot("studies")
        self.open("/studies/page")
        complete = len(self.values)
        wait_for(self.driver, f"document.querySelector('#history')?.dataset.points == '{2 * complete}'",
                 what="values and best so far")
        wait_for(self.driver, f"document.querySelector('#parallel')?.dataset.lines == '{complete}'",
                 what="a line per complete trial")
        axes = self.driver.execute_script("return document.querySelector('#parallel').dataset.axes")
        self.assertEqual(axes, str(len(SPACE) + 1))
        wait_for(self.driver, f"document.querySelector('#curves')?.dataset.series == '{TRIALS}'",
                 what="a curve per trial")
        curves = self.driver.execute_script("return {...document.querySelector('#curves').dataset}")
        self.assertEqual(curves["points"], str(TRIALS * STEPS))
        self.assertEqual(curves["pruned"], str(len(PRUNED)))
        wait_for(self.driver, f"document.querySelector('#trials-table')?.dataset.total == '{TRIALS}'",
                 what="the trials table")
        # Sorting by value puts the best trial first.
        self.driver.execute_script(
            "[...document.querySelectorAll('#trials-table .vt-head .vt-cell')].find(c => c.textContent.startsWith('Value')).click()")
        best = min(self.values, key=self.values.get)
        wait_for(self.driver, "document.querySelector('#trials-table .vt-row[data-index=\"0\"] .vt-cell')"
                 f"?.textContent == '{best}'", what=f"trial {best} first")
        importance = wait_for(self.driver, "document.querySelector('#importance-box')?.innerText", what="importance")
        self.assertRegex(importance, r"Method: \S|not available")
        self.assertIsNotNone(self.driver.execute_script("return performance.getEntriesByName('study-rendered')[0]"))
        self.no_errors()
        self.shot("study")

    def test_studies_side_by_side(self):
        self.open("/studies")
        wait_for(self.driver, "document.querySelector('#studies input[value=page]')", what="the study's box")
        self.driver.execute_script("document.querySelector('#studies input[value=page]').click();"
                                   "[...document.querySelectorAll('button')].find(b => b.textContent.startsWith('Compare')).click()")
        wait_for(self.driver, "location.pathname == '/compare'", what="the comparison")
        points = wait_for(self.driver, "document.querySelector('#compare [data-study=page] .chart')?.dataset.points",
                          what="the study's history")
        self.assertEqual(points, str(2 * len(self.values)))
        self.no_errors()

    def test_narrow_window_still_shows_the_study(self):
        self.driver.set_window_size(420, 900)
        try:
            self.open("/studies/page")
            wait_for(self.driver, "document.querySelector('#history')?.dataset.points > 0", what="the history")
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth > window.innerWidth + 1")
            self.assertFalse(overflow, "the page scrolls sideways in a narrow window")
            self.shot("study-narrow")
        finally:
            self.driver.set_window_size(1400, 900)

    def test_unknown_view_says_so(self):
        self.open("/nowhere")
        text = wait_for(self.driver, "document.querySelector('.notice.error')?.textContent", what="a notice")
        self.assertIn("/nowhere", text)


class LoginTest(unittest.TestCase):
    """With a token in the store, the printed login link logs the browser in: an HttpOnly
    cookie, and the token gone from the address bar."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="drover-login-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.token = run(["token", "create", "viewer", "--role", "read"], self.dir).strip()
        self.server, self.url = start_server(DROVER, self.dir)
        self.addCleanup(stop_server, self.server)
        self.driver = start_browser()
        self.addCleanup(shutil.rmtree, self.driver.drover_profile, ignore_errors=True)
        self.addCleanup(self.driver.quit)

    def test_login_link_sets_the_cookie_and_drops_the_token(self):
        self.assertIn("token=", self.url)
        base = self.url.split("/?")[0]
        # Without the link the server refuses the browser, saying that it needs a token.
        self.driver.get(base + "/runs")
        refusal = wait_for(self.driver, "document.body && document.body.innerText", what="a refusal")
        self.assertIn("token", refusal)
        self.assertIsNone(self.driver.execute_script("return document.querySelector('#runs')"))
        self.driver.get(self.url)
        wait_for(self.driver, "!location.search.includes('token') && document.querySelector('#runs')",
                 what="the runs view without the token in the URL")
        self.assertNotIn(self.token, self.driver.current_url)
        cookies = self.driver.get_cookies()
        self.assertTrue(cookies, "no cookie set")
        self.assertTrue(all(c.get("httpOnly") for c in cookies), cookies)
        wait_for(self.driver, "document.querySelector('.notice') && !document.querySelector('.notice.error')",
                 what="the runs view answered (an empty store) without an error")
        self.assertEqual(self.driver.execute_script("return document.cookie"), "")  # HttpOnly


# prep -> train (a reference) -> report (a gather of train, and after: prep).
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

# A study step: each trial runs as a job.
TUNE = """\
name: tuned
steps:
  tune:
    study:
      space: {x: {type: float, low: -3, high: 3}}
      sampler: random
      metric: loss
      trials: 3
      seed: 1
    run: python3 trial.py {x}
"""


class GraphPageTest(unittest.TestCase):
    """The run view draws the steps as a graph: columns by depth, an arrow per edge."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="drover-graph-")
        with open(os.path.join(cls.dir, "drover.yaml"), "w") as f:
            f.write(GRAPH)
        run(["run", "-q"], cls.dir)
        with open(os.path.join(cls.dir, "tune.yaml"), "w") as f:
            f.write(TUNE)
        with open(os.path.join(cls.dir, "trial.py"), "w") as f:
            f.write("import json, os, sys\n"
                    "with open(os.environ['DROVER_METRICS'], 'a') as f:\n"
                    "    f.write(json.dumps({'name': 'loss', 'value': float(sys.argv[1]) ** 2}) + '\\n')\n")
        run(["run", "-q", "tune.yaml"], cls.dir)
        cls.server, cls.url = start_server(DROVER, cls.dir)
        cls.base = cls.url.split("/?")[0].rstrip("/")
        try:
            cls.driver = start_browser()
        except Exception:
            stop_server(cls.server)
            raise
        os.makedirs(ARTEFACTS, exist_ok=True)

    tearDownClass = classmethod(PageTest.tearDownClass.__func__)
    open = PageTest.open
    shot = PageTest.shot
    no_errors = PageTest.no_errors

    def test_the_run_view_draws_the_step_graph(self):
        self.open("/runs/1")
        wait_for(self.driver, "document.querySelectorAll('.graph svg.edges path[data-edge]').length == 3",
                 what="three arrows")
        edges = self.driver.execute_script(
            "return [...document.querySelectorAll('.graph path[data-edge]')].map(e => e.dataset.edge).sort()")
        self.assertEqual(edges, ["prep->report", "prep->train", "train->report"])
        columns = self.driver.execute_script(
            "return [...document.querySelectorAll('.graph .layer')].map("
            "l => [...l.querySelectorAll('.step')].map(s => s.dataset.step))")
        self.assertEqual(columns, [["prep"], ["train"], ["report"]])
        after = self.driver.execute_script(
            "return document.querySelector('.step[data-step=report]').dataset.after")
        self.assertEqual(after, "train prep")
        counts = self.driver.execute_script(
            "return [...document.querySelectorAll('.step[data-step=train] [data-state]')].map(e => e.textContent)")
        self.assertEqual(counts, ["succeeded 2"])
        self.no_errors()
        self.shot("run-graph")

    def test_a_trial_links_to_its_job(self):
        self.open("/studies/tuned:tune")
        wait_for(self.driver, "document.querySelectorAll('#trials-table a[href^=\"/jobs/\"]').length == 3",
                 what="three links to jobs")
        href = self.driver.execute_script(
            "return document.querySelector('#trials-table a[href^=\"/jobs/\"]').getAttribute('href')")
        self.open(href)
        wait_for(self.driver, f"document.body.innerText.includes('{href.split('/')[-1]}')", what="the job's page")
        self.no_errors()
        self.shot("study-job-links")


if __name__ == "__main__":
    unittest.main()
