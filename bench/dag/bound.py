"""Lower bounds on the makespan of a DAG of tasks on identical slots (stdlib only).

Durations are integers (the benchmark uses milliseconds) so that every comparison of
path lengths is exact. A task takes one slot for its whole duration; tasks start only
after all their parents have ended. Three bounds, each valid for any schedule:

  critical path  the longest chain of durations from a source to a sink;
  work           the sum of all durations divided by the number of slots;
  energetic      for thresholds r and q: every task whose head (longest path from the
                 sources to its start, so it cannot start before r) is >= r and whose
                 tail (longest path from its end to the sinks, so it must end at least
                 q before the makespan) is >= q runs inside [r, makespan - q], so
                 makespan >= r + (sum of those durations) / slots + q.
                 The maximum over every r drawn from the heads and q from the tails
                 that at least one task meets (a pair no task meets bounds nothing);
                 r = q = 0 gives the work bound back.
"""

from collections import namedtuple

# value: the largest of the three (in the durations' unit, a float); binding: the name
# of the bound that gives it ("critical path", "work" or "energetic"; the first of those
# in that order on a tie); window: the (r, q) of the best energetic bound.
Bound = namedtuple("Bound", "value binding critical_path work energetic window")


def topological_order(parents):
    """Indices 0..n-1 in an order where each task comes after its parents.

    parents[i] lists the indices of task i's parents. Raises ValueError on a cycle."""
    n = len(parents)
    children = [[] for _ in range(n)]
    missing = [len(set(p)) for p in parents]
    for i, ps in enumerate(parents):
        for p in set(ps):
            children[p].append(i)
    order = [i for i in range(n) if missing[i] == 0]
    for i in order:  # order grows while it is walked: Kahn's algorithm
        for c in children[i]:
            missing[c] -= 1
            if missing[c] == 0:
                order.append(c)
    if len(order) != n:
        raise ValueError("the task graph has a cycle")
    return order


def heads_and_tails(durations, parents):
    """(heads, tails): head[i] is the longest path from the sources to task i's start,
    tail[i] the longest path from task i's end to the sinks (both 0 at the ends)."""
    n = len(durations)
    order = topological_order(parents)
    head = [0] * n
    for i in order:
        for p in parents[i]:
            head[i] = max(head[i], head[p] + durations[p])
    tail = [0] * n
    for i in reversed(order):
        for p in parents[i]:
            tail[p] = max(tail[p], durations[i] + tail[i])
    return head, tail


def energetic_bound(durations, head, tail, slots):
    """(bound, (r, q)): the best energetic bound and the window that gives it.

    O(H * n) for H distinct heads: the tasks are sorted once by tail, longest first, and
    for each r the sum of the durations of the tasks with head >= r is swept down that
    order, so each task's tail is a candidate q with all tasks of a longer tail counted.
    Tasks tied on a tail are counted one by one; the last of them sees the whole sum,
    and the partial sums before it give smaller, still valid, values."""
    by_tail = sorted(range(len(durations)), key=lambda i: -tail[i])
    rows = [(head[i], durations[i], tail[i]) for i in by_tail]
    best, window = 0, (0, 0)  # compared as r * slots + sum + q * slots: integers
    for r in sorted(set(head)):
        total = 0
        for h, d, t in rows:
            if h >= r:
                total += d
                v = (r + t) * slots + total
                if v > best:
                    best, window = v, (r, t)
    return best / slots, window


def lower_bound(durations, parents, slots):
    """The three bounds of the module's docstring for integer durations (a Bound)."""
    if slots < 1:
        raise ValueError("slots must be at least 1")
    head, tail = heads_and_tails(durations, parents)
    cp = max((head[i] + durations[i] + tail[i] for i in range(len(durations))), default=0)
    work = sum(durations) / slots
    energetic, window = energetic_bound(durations, head, tail, slots)
    value, binding = max((cp, "critical path"), (work, "work"), (energetic, "energetic"),
                         key=lambda vb: vb[0])
    return Bound(value, binding, cp, work, energetic, window)


def idle_while_ready(start, end, parents, slots):
    """Slot-seconds a schedule left idle while a job was ready: the integral over time of
    min(free slots, jobs ready but not started). A job is ready when its last parent
    ended (a source: when the first job started). start[i], end[i] are when task i ran;
    a start before its readiness (clocks of different processes) counts as ready then.
    Zero for a schedule that starts every ready job the moment a slot is free."""
    t0 = min(start, default=0.0)
    events = []  # (time, change of running, change of waiting)
    for i, ps in enumerate(parents):
        ready = min(max((end[p] for p in ps), default=t0), start[i])
        events += [(ready, 0, 1), (start[i], 1, -1), (end[i], -1, 0)]
    events.sort()
    idle, running, waiting, last = 0.0, 0, 0, t0
    for t, d_run, d_wait in events:
        idle += max(0, min(slots - running, waiting)) * (t - last)
        running, waiting, last = running + d_run, waiting + d_wait, t
    return idle
