"""Results tables on real runs: the table is the workflow's (all its axis values, each job's
latest result whichever run made it), in the file's order, with spread, labels and formats."""
import os
import re
import unittest

from harness import DroverTest

# model: 3 values, seed: 2; train logs accuracy = model's base + seed / 100; ensemble gathers
# models and seeds; its accuracy is 0.99. The file's order is deliberately not sorted.
WORKFLOW = """\
name: tables
axes:
  model: [mlp, forest, logreg]
  seed: [1, 0]
steps:
  train:
    over: [model, seed]
    run: python3 train.py {model} {seed}
  ensemble:
    over: []
    run: echo '{{"name":"accuracy","value":0.99}}' >> "$DROVER_METRICS"
    after: [train]
report:
  table: {rows: [model], cols: [seed], value: accuracy, format: markdown, path: results/table.md, precision: 2}
"""

TRAIN = """\
import json, os, sys
base = {"mlp": 0.9, "forest": 0.8, "logreg": 0.7}[sys.argv[1]]
with open(os.environ["DROVER_METRICS"], "a") as f:
    f.write(json.dumps({"name": "accuracy", "value": base + int(sys.argv[2]) / 100}) + "\\n")
"""


def rows(text):
    """The first column of a text table's body: its row labels, in order."""
    return [l.split("  ")[0].strip() for l in text.splitlines()[2:] if l.strip()]


class TablesTest(DroverTest):
    def setUp(self):
        super().setUp()
        self.write("drover.yaml", WORKFLOW)
        self.write("train.py", TRAIN)

    def table_file(self):
        with open(os.path.join(self.dir, "results", "table.md")) as f:
            return f.read()

    def test_a_subset_run_updates_its_cells_and_keeps_the_rest(self):
        self.drover("run", "-q")
        full = self.table_file()
        self.assertRegex(full, r"\| mlp +\| +0\.91 \| +0\.90 \|")
        self.assertRegex(full, r"\| logreg +\| +0\.71 \| +0\.70 \|")
        # A new train.py changes every train key; a subset run reruns two of them.
        self.write("train.py", TRAIN.replace('"mlp": 0.9', '"mlp": 0.5'))
        p = self.drover("run", "-q", "--set", "model=mlp")
        self.assertIn("3 ran", p.stdout)  # its two train jobs and their ensemble
        part = self.table_file()
        self.assertRegex(part, r"\| mlp +\| +0\.51 \| +0\.50 \|")  # the new results
        self.assertRegex(part, r"\| forest +\| +0\.81 \| +0\.80 \|")  # kept from the first run
        self.assertRegex(part, r"\| logreg +\| +0\.71 \| +0\.70 \|")
        # ensemble has no seed: it shows under each seed.
        self.assertRegex(part, r"\| ensemble +\| +0\.99 \| +0\.99 \|")
        # drover table reads the same, from the workflow's report.table.
        table = self.drover("table")
        self.assertEqual(rows(table.stdout), ["mlp", "forest", "logreg", "ensemble"])
        self.assertRegex(table.stdout, r"(?m)^forest +0\.81 +0\.80$")
        # --run N: that run's view, the rest of the plan empty.
        run2 = self.query("SELECT max(id) FROM runs")[0][0]
        one = self.drover("table", "--run", str(run2))
        self.assertRegex(one.stdout, r"(?m)^mlp +0\.51 +0\.50$")
        self.assertRegex(one.stdout, r"(?m)^forest +- +-$")
        p = self.drover("table", "--run", "99", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no run 99", p.stderr)

    def test_a_forced_rerun_keeps_the_file_order(self):
        self.drover("run", "-q")
        before = self.drover("table", "--format", "text").stdout
        self.drover("run", "-q", "--force", "train")  # ensemble now finishes long after
        self.drover("run", "-q", "--force", "ensemble")
        after = self.drover("table").stdout
        self.assertEqual(rows(after), ["mlp", "forest", "logreg", "ensemble"])
        self.assertEqual(before, after)
        # Columns follow the file too: seed 1 before seed 0.
        self.assertRegex(after.splitlines()[0], r"model \\ seed +1 +0$")

    def test_another_workflow_in_the_same_store_does_not_take_the_table(self):
        self.drover("run", "-q")
        self.write("sub/drover.yaml", "name: other\nsteps:\n  s: {run: 'true'}\n")
        self.drover("--store", self.dir, "run", "-q", "sub/drover.yaml")
        table = self.drover("table")  # ./drover.yaml's workflow, not the latest run's
        self.assertRegex(table.stdout, r"(?m)^mlp +0\.91 +0\.90$")
        other = self.drover("table", "--workflow", "other", "--rows", "model", "--value", "x",
                            check=False)
        self.assertEqual(other.returncode, 2)
        self.assertIn("no succeeded job of workflow 'other' logged a metric named 'x'", other.stderr)

    def test_spread_count_and_a_missing_seed(self):
        # logreg's seed 1 fails before it logs: its cell has one value of two planned.
        self.write("train.py", "import sys\nif sys.argv[1:] == ['logreg', '1']: sys.exit(3)\n" +
                   TRAIN)
        p = self.drover("run", "-q", check=False)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        # Rows model, no cols: the cell gathers both seeds.
        args = ["table", "--rows", "model", "--value", "accuracy", "--step", "train"]
        p = self.drover(*args, "--spread", "std", "--precision", "3")
        self.assertRegex(p.stdout, r"(?m)^mlp +0\.905 ± 0\.007$")
        # One value has no spread: the value alone, never "± 0.000"; its n stays named.
        self.assertRegex(p.stdout, r"(?m)^logreg +0\.700 \(n=1 of 2\)$")
        p = self.drover(*args, "--agg", "count")
        self.assertRegex(p.stdout, r"(?m)^forest +2$")
        p = self.drover(*args, "--agg", "median", "--spread", "minmax", "--precision", "2")
        self.assertRegex(p.stdout, r"(?m)^forest +0\.81 \[0\.80, 0\.81\]$")
        p = self.drover(*args, "--spread", "var", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--spread must be std, sem or minmax", p.stderr)

    def test_labels_and_spread_from_the_file_and_the_command_line(self):
        self.write("drover.yaml", WORKFLOW.replace(
            "precision: 2}",
            "precision: 2, spread: std,\n"
            "         labels: {ensemble: Ensemble All, mlp: MLP}, cols: []}").replace(
            "cols: [seed], ", ""))
        self.drover("run", "-q")
        md = self.table_file()
        self.assertRegex(md, r"\| MLP +\| +0\.91 ± 0\.01 \|")
        self.assertRegex(md, r"\| Ensemble All +\| +0\.99 \|")  # one ensemble: no spread
        p = self.drover("table", "--label", "forest=Random forest", "--label", "mlp=Perceptron")
        self.assertRegex(p.stdout, r"(?m)^Random forest +0\.81 ± 0\.01$")
        self.assertRegex(p.stdout, r"(?m)^Perceptron +0\.91 ± 0\.01$")
        # The steps and values keep their names.
        self.assertIn("train/model=mlp,seed=1", self.drover("jobs").stdout)
        p = self.drover("table", "--label", "novalue", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("what=shown", p.stderr)

    def test_formats(self):
        self.drover("run", "-q")
        base = ["table", "--rows", "model", "--cols", "seed", "--value", "accuracy",
                "--precision", "2"]
        csv = self.drover(*base, "--format", "csv").stdout
        self.assertEqual(csv.splitlines()[:2], ["model \\ seed,1,0", "mlp,0.91,0.90"])
        tex = self.drover(*base, "--format", "latex").stdout
        self.assertTrue(tex.startswith("\\begin{tabular}{lrr}\n\\toprule\n"), tex)
        self.assertIn("mlp & 0.91 & 0.90 \\\\\n", tex)
        self.assertIn("\\bottomrule\n\\end{tabular}\n", tex)
        html = self.drover(*base, "--format", "html").stdout
        self.assertIn("<tr><th>mlp</th><td>0.91</td><td>0.90</td></tr>", html)
        md = self.drover(*base, "--format", "markdown").stdout
        self.assertIn("| mlp ", md)
        p = self.drover(*base, "--format", "xlsx", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--format must be text, markdown, csv, latex or html", p.stderr)
        p = self.drover("table", "--rows", "modle", "--value", "accuracy", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no axis 'modle'", p.stderr)


class PartialGatherTest(DroverTest):
    def test_a_failing_model_leaves_an_ensemble_row_marked_partial(self):
        self.write("drover.yaml", """\
            name: partial
            axes:
              model: [a, b]
            steps:
              train:
                over: [model]
                run: test {model} = a && echo '{{"name":"acc","value":0.5}}' >> "$DROVER_METRICS"
                outputs: []
              ensemble:
                run: echo {train.log...} > /dev/null; echo '{{"name":"acc","value":0.7}}' >> "$DROVER_METRICS"
                partial: true
            report:
              table: {rows: [model], cols: [], value: acc, precision: 1}
            """.replace("outputs: []", "outputs: [log]").replace(
                "test {model} = a && echo", "test {model} = a && touch log && echo"))
        p = self.drover("run", "-q", check=False)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"\| ensemble +\| +0\.7\* \|")
        self.assertIn("* a partial gather: some of its upstream jobs failed", p.stdout)
        self.assertRegex(p.stdout, r"\| b +\| +- \|")


class StepsWithoutSomeAxesTest(DroverTest):
    def test_a_step_without_a_column_axis_fills_the_columns_of_its_other_axes(self):
        self.write("drover.yaml", """\
            name: final
            axes:
              task: [wine, digits]
              fraction: [0.1, 0.9]
              model: [mlp]
            steps:
              train:
                over: [task, fraction, model]
                run: echo '{{"name":"acc","value":{fraction}}}' >> "$DROVER_METRICS"
              final:
                over: [task, model]
                run: echo '{{"name":"acc","value":0.5}}' >> "$DROVER_METRICS"
                after: [train]
            report:
              table: {rows: [model], cols: [task, fraction], value: acc, step: [train, final], precision: 1}
            """)
        p = self.drover("run", "-q")
        header = [l for l in p.stdout.splitlines() if l.startswith("| model")][0]
        self.assertEqual(re.findall(r"\| ([a-z]+, [0-9.]+) ", header + " "),
                         ["wine, 0.1", "wine, 0.9", "digits, 0.1", "digits, 0.9"])
        self.assertNotIn("final", header)
        # final's 0.5 sits in each of its task's columns, beside train's value.
        self.assertRegex(p.stdout, r"\| mlp +\| +0\.3 \| +0\.7 \| +0\.3 \| +0\.7 \|")


if __name__ == "__main__":
    unittest.main()
