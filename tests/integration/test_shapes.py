"""Workflows of many steps and commands written in shell syntax: the step tables of
`drover status` and `drover run --dry-run` fit a screen, scripts named inside shell
syntax run and are hashed, and a script that is not there stops the run before it starts."""
import os
import unittest

from harness import DroverTest


def many_steps(n, prefix="s"):
    """A workflow of n one-job steps named PREFIX0..PREFIXn-1, each after the one before."""
    text = "name: many\nsteps:\n"
    for i in range(n):
        text += f"  {prefix}{i}:\n    run: \"true\"\n"
        if i:
            text += f"    after: [{prefix}{i - 1}]\n"
    return text


class StepTables(DroverTest):
    def test_a_dry_run_of_many_steps_is_grouped_and_all_shows_every_row(self):
        text = many_steps(40, "align_") + "  report:\n    run: \"true\"\n    after: [align_39]\n"
        self.write("drover.yaml", text)
        out = self.drover("run", "--dry-run").stdout.splitlines()
        self.assertIn("align* (40 steps)", out[1])
        self.assertEqual(out[1].split()[-2:], ["40", "0"])
        self.assertTrue(out[2].startswith("report "), out)
        self.assertEqual(out[3].split(), ["total", "41", "0"])
        self.assertIn("41 steps in 2 rows; --all for one row per step", out[4])
        every = self.drover("run", "--dry-run", "--all").stdout.splitlines()
        self.assertEqual(len(every), 1 + 41 + 1, every)
        self.assertTrue(every[40].startswith("align_39 "), every)

    def test_status_of_many_steps_is_grouped_and_all_shows_every_row(self):
        self.write("drover.yaml", many_steps(35))
        self.drover("run", "-q")
        out = self.drover("status").stdout.splitlines()
        self.assertEqual(out[1].split()[0], "step")
        self.assertIn("s* (35 steps)", out[2])
        self.assertEqual(out[2].split()[-6:], ["35", "0", "0", "0", "0", "0"])
        self.assertIn("35 steps in 1 rows", out[3])
        every = self.drover("status", "--all").stdout.splitlines()
        self.assertEqual(sum(1 for l in every if l.startswith("s") and l.split()[0][1:].isdigit()),
                         35, every)

    def test_thirty_steps_keep_one_row_each(self):
        self.write("drover.yaml", many_steps(30))
        out = self.drover("run", "--dry-run").stdout.splitlines()
        self.assertEqual(len(out), 1 + 30 + 1, out)

    def test_the_time_printed_counts_loading_and_planning(self):
        # 3,000 steps take a while to load: the "in Ns" of an all-reused rerun is not
        # just the engine's share. A bound of time would be flaky; compare with a floor
        # the run itself measured instead: the printed time covers its own trace phases.
        self.write("drover.yaml", many_steps(3000))
        self.drover("run", "-q", "-j", "4")
        p = self.drover("run", "-q", env={"DROVER_TRACE": "1"})
        load = [l for l in p.stderr.splitlines() if "trace: load workflow" in l]
        self.assertTrue(load, p.stderr)
        load_s = float(load[0].split(":")[3].split()[0])
        printed = float(p.stdout.strip().rsplit(" in ", 1)[1].rstrip("s"))
        self.assertIn("3000 reused", p.stdout)
        self.assertGreaterEqual(printed + 0.05, load_s, p.stdout + p.stderr)


class ScriptsInShellSyntax(DroverTest):
    def test_scripts_inside_shell_syntax_run_and_are_hashed(self):
        self.write("hello.py", "print('hello from the script')\n")
        self.write("sub/run.sh", "echo from sub\n")
        self.write("drover.yaml", """\
            name: shapes
            steps:
              redirect:
                run: "python3 hello.py>out.txt; echo ok"
                outputs: [out.txt]
              subshell:
                run: "(python3 hello.py)"
              pipe:
                run: "python3 hello.py|tr a-z A-Z"
              cd:
                run: "cd sub && sh ./run.sh"
            """)
        p = self.drover("run")
        self.assertIn("4 ran", p.stdout)
        key = dict(self.query("SELECT name, key FROM jobs"))
        out = self.drover("logs", "redirect").stdout
        self.assertIn("ok", out)
        with open(os.path.join(self.dir, ".drover", "jobs", key["redirect"][:2], key["redirect"],
                               "out.txt")) as f:
            self.assertEqual(f.read(), "hello from the script\n")
        self.assertIn("hello from the script", self.drover("logs", "subshell").stdout)
        self.assertIn("HELLO FROM THE SCRIPT", self.drover("logs", "pipe").stdout)
        self.assertIn("from sub", self.drover("logs", "cd").stdout)
        # Editing a script reruns exactly the jobs that run it.
        self.write("hello.py", "print('hello again')\n")
        p = self.drover("run")
        self.assertIn("3 ran, 1 reused", p.stdout)
        self.write("sub/run.sh", "echo again\n")
        self.assertIn("1 ran, 3 reused", self.drover("run").stdout)

    def test_a_missing_script_stops_the_run_before_anything_starts(self):
        self.write("drover.yaml", """\
            name: missing
            steps:
              first:
                run: "echo first > ran.txt"
              s:
                run: "python3 missing.py; echo ok"
            """)
        p = self.drover("run", check=False)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("drover.yaml:6:19: error: step 's' runs 'missing.py', which is not in the "
                      "workflow folder", p.stderr)
        self.assertIn("^", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".drover", "jobs")))
        self.assertFalse(self.drover("plan", check=False).returncode == 0)


if __name__ == "__main__":
    unittest.main()
