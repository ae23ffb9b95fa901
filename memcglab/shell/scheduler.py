"""Cooperative scheduling of shell processes on the simulated clock.

Every shell process (the script, a background job, a subshell, an external
command) runs as a Python generator. A process that must block (``sleep``,
``wait``) yields an :class:`Event`; it resumes when the event fires. Time only
moves through ``System.run_next()``, which the scheduler calls when every
process that could run is blocked, so runs are deterministic.

A child process is first run inline by its parent (fast: most commands never
block). Only when it blocks is it adopted as a :class:`Task` of its own, so
that it can outlive its parent (``sleep 3600 &``) or be killed on its own.
"""

from __future__ import annotations

from collections import deque


class Event:
    """Something a process can wait for; ``fire`` wakes every waiting task."""

    __slots__ = ("done", "waiters", "sched")

    def __init__(self, sched: Scheduler):
        self.done = False
        self.waiters: list[Task] = []
        self.sched = sched

    def fire(self) -> None:
        if self.done:
            return
        self.done = True
        waiters, self.waiters = self.waiters, []
        for task in waiters:
            self.sched.make_ready(task)


class Task:
    """A process that blocked at least once and is now run by the scheduler."""

    __slots__ = ("gen", "pid", "done", "status", "exited", "pending", "running")

    def __init__(self, gen, pid: int | None, sched: Scheduler):
        self.gen = gen
        self.pid = pid
        self.done = False
        self.status = 0
        self.exited = Event(sched)
        self.pending: Event | None = None
        self.running = False


class Scheduler:
    def __init__(self, system):
        self.system = system
        self.ready: deque[Task] = deque()
        self.driving = 0  # >0 while some caller is waiting for an event

    def event(self) -> Event:
        return Event(self)

    def adopt(self, gen, blocked_on: Event, pid: int | None) -> Task:
        """Take over a generator that has just yielded ``blocked_on``."""
        task = Task(gen, pid, self)
        self._block(task, blocked_on)
        return task

    def start(self, gen, pid: int | None = None) -> Task:
        """Start ``gen`` as a task and run it until it first blocks."""
        task = Task(gen, pid, self)
        self.step(task)
        return task

    def _block(self, task: Task, event: Event) -> None:
        task.pending = event
        if event.done:
            self.ready.append(task)
        else:
            event.waiters.append(task)

    def make_ready(self, task: Task) -> None:
        self.ready.append(task)
        if not self.driving:
            # nobody is driving the clock (the script has finished): run now
            self.run_ready()

    def step(self, task: Task) -> None:
        if task.done or task.running:
            return
        task.running = True
        try:
            event = task.gen.send(None)
        except StopIteration as stop:
            self.finish(task, stop.value or 0)
        else:
            self._block(task, event)
        finally:
            task.running = False

    def finish(self, task: Task, status: int) -> None:
        if task.done:
            return
        task.done = True
        task.status = status
        task.exited.fire()

    def kill(self, task: Task, status: int) -> None:
        """The task's pid was killed: drop its generator and wake its waiters."""
        if task.done:
            return
        if not task.running:
            task.gen.close()
        self.finish(task, status)

    def run_ready(self) -> None:
        while self.ready:
            task = self.ready.popleft()
            if not task.done and task.pending is not None and task.pending.done:
                task.pending = None
                self.step(task)

    def drive(self, event: Event) -> bool:
        """Run tasks and move the clock until ``event`` fires; False if it never can."""
        self.driving += 1
        try:
            while not event.done:
                self.run_ready()
                if event.done:
                    break
                if not self.system.run_next():
                    return False
            return True
        finally:
            self.driving -= 1
