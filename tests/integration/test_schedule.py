"""The order in which drover starts ready jobs: the longest path to the end of the graph
in estimated seconds, the estimates taken from the store's history of earlier runs."""
import unittest

from harness import DroverTest

WORKFLOW = """\
name: sched
axes:
  t: ["0.05", "0.1", "0.15", "0.8"]
steps:
  work:
    over: [t]
    run: sleep {t}
    env: {V: "%s"}
"""


class ScheduleTest(DroverTest):
    def start_order(self):
        """Job names of the latest run's attempts, in the order drover started them
        (attempt rows are inserted as jobs start)."""
        rows = self.query("SELECT j.name FROM attempts a JOIN jobs j ON j.id = a.job_id "
                          "WHERE j.run_id = (SELECT max(id) FROM runs) ORDER BY a.id")
        return [r[0] for r in rows]

    def test_history_starts_the_longest_job_first_though_it_is_last_in_the_file(self):
        self.write("drover.yaml", WORKFLOW % "1")
        self.drover("run", "-j", "1")
        # No history: every job has the same estimate, so file order.
        self.assertEqual(self.start_order(),
                         ["work/t=0.05", "work/t=0.1", "work/t=0.15", "work/t=0.8"])
        # One env value changed: every key is new, nothing is reused, but each job's
        # earlier duration is known by its step and axis values.
        self.write("drover.yaml", WORKFLOW % "2")
        self.drover("run", "-j", "1")
        self.assertEqual(self.query("SELECT count(*) FROM jobs")[0][0], 8)  # 4 new keys
        self.assertEqual(self.start_order()[0], "work/t=0.8")
        self.assertEqual(len(self.start_order()), 4)


if __name__ == "__main__":
    unittest.main()
