"""Checks of the makespan lower bounds and the trace conversion of bench/dag.

Run: /usr/bin/python3 -m unittest -v bound_test   (in bench/dag; ctest: bench_dag_bound).
Arithmetic only: nothing here runs a workflow or measures a time.
"""

import itertools
import os
import random
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bound  # noqa: E402
import wfdag  # noqa: E402

TRACES = os.environ.get("DAG_TRACES") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "workflows",
    "wfinstances")


def naive_energetic(durations, parents, slots):
    """The energetic bound by its definition, every (r, q) pair and every task: O(n^3).
    A pair that no task meets bounds nothing (two chains A(10) -> B(1) and C(1) -> D(10)
    have a head of 10 and a tail of 10 but end at 11)."""
    head, tail = bound.heads_and_tails(durations, parents)
    best = 0.0
    for r, q in itertools.product(set(head), set(tail)):
        inside = [d for d, h, t in zip(durations, head, tail) if h >= r and t >= q]
        if inside:
            best = max(best, r + sum(inside) / slots + q)
    return best


def random_dag(rng, n):
    """A random DAG of n tasks whose parents have smaller indices, durations 0..50."""
    durations = [rng.randint(0, 50) for _ in range(n)]
    parents = [sorted(rng.sample(range(i), rng.randint(0, min(i, 3)))) for i in range(n)]
    return durations, parents


class BoundTest(unittest.TestCase):
    def test_fork_join_is_bound_by_the_window_between_index_and_merge(self):
        # bwa's shape: an index of 10, then 32 tasks of 1 that need it, then a merge of 5
        # that needs them all. On 16 slots the 32 tasks need 2 more after the index ends
        # and before the merge starts: 10 + 32/16 + 5 = 17, above the critical path (16)
        # and the work (47/16). 17 is also what the best schedule takes.
        durations = [10] + [1] * 32 + [5]
        parents = [[]] + [[0]] * 32 + [list(range(1, 33))]
        b = bound.lower_bound(durations, parents, 16)
        self.assertEqual(b.critical_path, 16)
        self.assertAlmostEqual(b.work, 47 / 16)
        self.assertAlmostEqual(b.energetic, 17)
        self.assertEqual(b.window, (10, 5))
        self.assertEqual(b.binding, "energetic")
        self.assertAlmostEqual(b.value, 17)

    def test_a_chain_is_bound_by_its_critical_path(self):
        b = bound.lower_bound([3, 4, 5], [[], [0], [1]], 16)
        self.assertEqual((b.value, b.binding), (12, "critical path"))
        self.assertEqual(bound.heads_and_tails([3, 4, 5], [[], [0], [1]]), ([0, 3, 7], [9, 5, 0]))

    def test_a_window_that_no_task_fits_bounds_nothing(self):
        # A(10) -> B(1) and C(1) -> D(10): B's head and C's tail are both 10, but no task
        # has both, and the best schedule ends at 11.
        b = bound.lower_bound([10, 1, 1, 10], [[], [0], [], [2]], 16)
        self.assertEqual((b.value, b.binding), (11, "critical path"))
        self.assertLess(b.energetic, 20)

    def test_independent_tasks_are_bound_by_work_over_slots(self):
        b = bound.lower_bound([6] * 8, [[]] * 8, 2)
        self.assertEqual((b.value, b.binding), (24, "work"))

    def test_equals_the_definition_on_random_graphs(self):
        rng = random.Random(11)
        for n in (1, 2, 5, 12, 30):
            for _ in range(20):
                durations, parents = random_dag(rng, n)
                for slots in (1, 3, 16):
                    got, (r, q) = bound.energetic_bound(
                        durations, *bound.heads_and_tails(durations, parents), slots)
                    self.assertAlmostEqual(got, naive_energetic(durations, parents, slots))
                    self.assertGreaterEqual(got, sum(durations) / slots - 1e-9)

    def test_a_cycle_is_refused(self):
        with self.assertRaisesRegex(ValueError, "cycle"):
            bound.lower_bound([1, 1], [[1], [0]], 4)


class IdleWhileReadyTest(unittest.TestCase):
    def test_counts_free_slots_while_jobs_wait(self):
        # 2 slots. a runs 0-2; b and c need a and start at 3 and 2.5: b waited 1 s on a
        # free slot, c 0.5 s. d (a source) starts at 0.5 while a slot was free from 0.
        start, end = [0, 3, 2.5, 0.5], [2, 4, 3, 1]
        parents = [[], [0], [0], []]
        self.assertAlmostEqual(bound.idle_while_ready(start, end, parents, 2), 0.5 + 1 + 0.5)

    def test_waiting_on_full_slots_is_not_idle(self):
        # 1 slot: b is ready at 0 but the slot is busy with a until 1; b starts at 1.
        self.assertEqual(bound.idle_while_ready([0, 1], [1, 2], [[], []], 1), 0)


class TraceTest(unittest.TestCase):
    def test_names_are_valid_for_drover_and_snakemake_and_unique(self):
        names = wfdag.unique_names(["a.b-1", "a_b_1", "9x", "all", "NF.X_1"])
        self.assertEqual(names, ["a_b_1", "a_b_1_2", "t9x", "all_2", "NF_X_1"])
        for n in names:
            self.assertRegex(n, r"^[A-Za-z_][A-Za-z0-9_]*$")

    def test_a_small_trace_converts_to_both_files(self):
        doc = ('{"schemaVersion": "1.5", "workflow": {"specification": {"tasks": ['
               '{"id": "a_ID1", "parents": [], "children": ["b-x_ID2"]},'
               '{"id": "b-x_ID2", "parents": ["a_ID1"], "children": []}]},'
               '"execution": {"tasks": [{"id": "a_ID1", "runtimeInSeconds": 2.0},'
               '{"id": "b-x_ID2", "runtimeInSeconds": 0.0005}]}}}')
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "toy-chameleon-x-001.json")
            with open(path, "w") as f:
                f.write(doc)
            t = wfdag.load(path)
        self.assertEqual(t.name, "toy-x")
        self.assertEqual(t.parents, [[], [0]])
        scale = wfdag.choose_scale(t, 40, 16)  # the critical path, 2.0005 s, becomes 40 s
        ms = wfdag.scaled_ms(t, scale)
        self.assertEqual(ms, [39990, 10])
        y = wfdag.drover_yaml(t, ms, "cold")
        self.assertIn("  b_x_ID2:\n    run: sleep 0.010\n    after: [a_ID1]\n", y)
        self.assertIn('BENCH_RUN: "cold"', y)
        s = wfdag.snakefile(t, ms)
        self.assertIn('rule b_x_ID2:\n    input: "out/a_ID1"\n    output: "out/b_x_ID2"\n'
                      '    shell: "sleep 0.010 && touch {output}"', s)

    @unittest.skipUnless(os.path.exists(os.path.join(TRACES, "bwa-chameleon-large-001.json")),
                         "the WfCommons traces are not here")
    def test_bwa_energetic_bound_is_64s_when_its_critical_path_is_scaled_to_45s(self):
        # The figure quoted for bwa (30.7 s index, 13.5 s merge, 1,000 tasks between them)
        # came from a scale that makes the simple bound 45 s.
        t = wfdag.load(os.path.join(TRACES, "bwa-chameleon-large-001.json"))
        ms = wfdag.scaled_ms(t, wfdag.choose_scale(t, 45, 16))
        b = bound.lower_bound(ms, t.parents, 16)
        self.assertAlmostEqual(b.critical_path / 1000, 45, delta=0.01)
        self.assertEqual(b.binding, "energetic")
        self.assertAlmostEqual(b.energetic / 1000, 64.0, delta=0.1)
        self.assertEqual([round(x / 1000, 1) for x in b.window], [30.7, 13.5])


if __name__ == "__main__":
    unittest.main()
