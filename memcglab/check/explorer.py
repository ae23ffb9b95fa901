"""The interleaving explorer: breadth-first search over all schedules.

A machine state is the shared world plus every thread's program counter and
registers.  From each state, every thread whose next step is not blocked
(e.g. on a held spinlock) may run one atomic step; that is the whole
scheduler, so every interleaving of the threads' steps is covered.  States
are deduplicated by a canonical key, which is what keeps the search small:
schedules that reach the same state are explored once.

Breadth-first order makes the first violation found one with the fewest
steps, so counterexamples are minimal.  The search stops at that violation
(every path through it is already known to be broken) or when the state
space is exhausted, and is deterministic: threads are tried in a fixed order
and nothing depends on hashing order.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from memcglab.check.program import Ctx, Program, Violation, World
from memcglab.check.report import Report, TraceStep
from memcglab.check.scenarios import SCENARIOS


@dataclass
class Outcome:
    """What a search found; ``violations`` are those of the last trace step."""

    states: int
    transitions: int
    interleavings: int | None
    counterexample: list[TraceStep] | None
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return self.counterexample is None


@dataclass
class _Node:
    world: World
    pcs: tuple[int, ...]
    regs: tuple[dict, ...]


def _key(node: _Node) -> Hashable:
    return (node.world.key(), node.pcs, tuple(tuple(sorted(r.items())) for r in node.regs))


def search(world: World, programs: Sequence[Program]) -> Outcome:
    """Explore every interleaving of ``programs`` acting on ``world``."""
    root = _Node(world, tuple(p.entry for p in programs), tuple({} for _ in programs))
    ids: dict[Hashable, int] = {_key(root): 0}
    # For each state: how it was first reached (parent id, thread, step text).
    came_from: list[tuple[int, str, str] | None] = [None]
    successors: list[list[int]] = []
    terminal: set[int] = set()
    pending: dict[int, _Node] = {0: root}
    queue = deque([0])
    transitions = 0

    def trace(sid: int) -> list[TraceStep]:
        steps = []
        while (link := came_from[sid]) is not None:
            sid, thread, text = link
            steps.append(TraceStep(thread, text))
        return steps[::-1]

    def failed(sid: int, last: TraceStep | None, violations: list[Violation]) -> Outcome:
        steps = trace(sid) + ([last] if last else [])
        return Outcome(len(ids), transitions, None, steps, violations)

    while queue:
        sid = queue.popleft()
        node = pending.pop(sid)
        successors.append([])
        waiting = []
        for t, prog in enumerate(programs):
            pc = node.pcs[t]
            if pc == len(prog.instrs):
                continue  # finished
            instr = prog.instrs[pc]
            ctx = Ctx(prog.name, dict(node.regs[t]))
            reason = instr.blocked_on(node.world, ctx)
            if reason is not None:
                waiting.append(f"{prog.name} {reason}")
                continue
            world = node.world.clone()
            text = instr.run(world, ctx)
            transitions += 1
            violations = ctx.violations + world.check()
            if violations:
                return failed(sid, TraceStep(prog.name, text), violations)
            target = ctx.jump or instr.goto
            pcs = list(node.pcs)
            pcs[t] = prog.labels[target] if target else pc + 1
            regs = list(node.regs)
            regs[t] = ctx.regs
            nxt = _Node(world, tuple(pcs), tuple(regs))
            key = _key(nxt)
            if key not in ids:
                ids[key] = len(came_from)
                came_from.append((sid, prog.name, text))
                pending[ids[key]] = nxt
                queue.append(ids[key])
            successors[sid].append(ids[key])
        if successors[sid]:
            continue
        if waiting:
            return failed(sid, None, [Violation("deadlock", "; ".join(waiting))])
        final = node.world.final_check()
        if final:
            return failed(sid, None, final)
        terminal.add(sid)
    return Outcome(len(ids), transitions, _count_paths(successors, terminal), None, [])


def _count_paths(successors: list[list[int]], terminal: set[int]) -> int | None:
    """Complete interleavings = paths from the initial state to a final one
    (one per schedule, even where schedules share states).  None if the state
    graph has a cycle, where that number is unbounded."""
    indegree = [0] * len(successors)
    for succ in successors:
        for s in succ:
            indegree[s] += 1
    order, ready = [], [i for i, d in enumerate(indegree) if d == 0]
    while ready:
        v = ready.pop()
        order.append(v)
        for s in successors[v]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(order) != len(successors):
        return None
    paths = [0] * len(successors)
    for v in reversed(order):
        paths[v] = 1 if v in terminal else sum(paths[s] for s in successors[v])
    return paths[0]


def explore(scenario_name: str, variant: str = "correct") -> Report:
    """Check one scenario under one protocol variant."""
    scenario = SCENARIOS[scenario_name]
    world, programs = scenario.build(variant)
    start = time.perf_counter()
    outcome = search(world, programs)
    elapsed = time.perf_counter() - start
    return Report(
        scenario=scenario_name,
        variant=variant,
        threads=[(p.name, p.role) for p in programs],
        ok=outcome.ok,
        states=outcome.states,
        transitions=outcome.transitions,
        interleavings=outcome.interleavings,
        elapsed=elapsed,
        counterexample=outcome.counterexample,
        violations=outcome.violations,
        expected=scenario.expect.get(variant),
    )
