"""The simulated clock, RCU grace periods and workqueues (kernel/rcu, kernel/workqueue.c).

Everything asynchronous in memcg teardown runs here as deferred work on a
simulated clock: ``call_rcu()`` runs its callback one grace period later,
``queue_work()`` after a short workqueue latency. Nothing reads the host's
wall clock, so the same inputs always give the same timeline.

Two kinds of timers exist. *Deferred work* (RCU callbacks, work items) is
what ``settle()`` flushes, like ``rcu_barrier()`` plus ``flush_workqueue()``.
*Timers* (a task's ``sleep``, the periodic writeback flusher) fire only when
the clock reaches them. Ties are broken by submission order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import count

# A grace period on an idle HZ=250 kernel takes a few jiffies.
RCU_GRACE_PERIOD = 0.008
WORKQUEUE_LATENCY = 0.0002


class Clock:
    """A SimPy-like event loop: a heap of (time, seq, callback)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, bool, Callable[[], None]]] = []
        self._seq = count()
        self._deferred = 0

    def _push(self, when: float, fn: Callable[[], None], deferred: bool) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), deferred, fn))
        if deferred:
            self._deferred += 1

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """A timer: runs when the clock reaches now + delay."""
        self._push(self.now + delay, fn, False)

    def call_rcu(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` after a grace period (call_rcu / queue_rcu_work)."""
        self._push(self.now + RCU_GRACE_PERIOD, fn, True)

    def queue_work(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` from a workqueue, shortly."""
        self._push(self.now + WORKQUEUE_LATENCY, fn, True)

    @property
    def deferred_pending(self) -> int:
        return self._deferred

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def run_next(self) -> bool:
        """Advance to the earliest event and run it; False if there is none."""
        if not self._heap:
            return False
        when, _, deferred, fn = heapq.heappop(self._heap)
        if deferred:
            self._deferred -= 1
        self.now = max(self.now, when)
        fn()
        return True

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass, running whatever falls due."""
        target = self.now + seconds
        while self._heap and self._heap[0][0] <= target:
            self.run_next()
        self.now = target

    def settle(self) -> None:
        """Run deferred work until none is left (rcu_barrier + flush_workqueue).

        Timers that fall due on the way run too, since time passes for them.
        """
        while self._deferred:
            self.run_next()
