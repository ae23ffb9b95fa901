"""The explorer on toy programs, independent of the memcg model."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from memcglab.check import search
from memcglab.check.program import Ctx, Instr, Label, Program, Violation


class Counter:
    """A shared counter plus named mutexes; must read 2 once both threads are done."""

    def __init__(self, expected: int = 2) -> None:
        self.value = 0
        self.flag = 0
        self.locks: dict[str, str | None] = {"A": None, "B": None}
        self.expected = expected

    def clone(self) -> Counter:
        new = Counter(self.expected)
        new.value, new.flag, new.locks = self.value, self.flag, dict(self.locks)
        return new

    def key(self):
        return (self.value, self.flag, tuple(self.locks.values()))

    def check(self) -> list[Violation]:
        return []

    def final_check(self) -> list[Violation]:
        if self.value != self.expected:
            return [Violation("lost-update", f"counter is {self.value}, not {self.expected}")]
        return []


@dataclass
class Load(Instr):
    def run(self, world: Counter, ctx: Ctx) -> str:
        ctx.regs["r"] = world.value
        return f"load -> {world.value}"


@dataclass
class Store(Instr):
    def run(self, world: Counter, ctx: Ctx) -> str:
        world.value = ctx.regs["r"] + 1
        return f"store {world.value}"


@dataclass
class AtomicInc(Instr):
    def run(self, world: Counter, ctx: Ctx) -> str:
        world.value += 1
        return f"inc -> {world.value}"


@dataclass
class Lock(Instr):
    name: str

    def blocked_on(self, world: Counter, ctx: Ctx) -> str | None:
        holder = world.locks[self.name]
        return f"waits for {self.name} held by {holder}" if holder else None

    def run(self, world: Counter, ctx: Ctx) -> str:
        world.locks[self.name] = ctx.thread
        return f"lock {self.name}"


@dataclass
class Unlock(Instr):
    name: str

    def run(self, world: Counter, ctx: Ctx) -> str:
        world.locks[self.name] = None
        return f"unlock {self.name}"


@dataclass
class SetFlag(Instr):
    def run(self, world: Counter, ctx: Ctx) -> str:
        world.flag = 1
        return "flag = 1"


@dataclass
class WhileFlagClear(Instr):
    branch: str | None = None

    def run(self, world: Counter, ctx: Ctx) -> str:
        if not world.flag:
            ctx.jump = self.branch
        return f"flag is {world.flag}"


def threads(*bodies: list) -> list[Program]:
    return [Program.build(f"T{i}", "toy", body) for i, body in enumerate(bodies, 1)]


def test_lost_update_is_found_with_a_minimal_trace():
    out = search(Counter(), threads([Load(), Store()], [Load(), Store()]))
    assert not out.ok
    assert [v.check for v in out.violations] == ["lost-update"]
    # Both loads must happen before either store: 4 steps, no shorter schedule.
    assert [s.text for s in out.counterexample] == ["load -> 0", "load -> 0", "store 1", "store 1"]


def test_lock_fixes_the_lost_update():
    body = [Lock("A"), Load(), Store(), Unlock("A")]
    out = search(Counter(), threads(body, list(body)))
    assert out.ok
    # Mutual exclusion leaves exactly two schedules: T1's section first or T2's.
    assert out.interleavings == 2


def test_counts_states_transitions_and_interleavings_exactly():
    out = search(Counter(expected=4),
                 threads([AtomicInc(), AtomicInc()], [AtomicInc(), AtomicInc()]))
    assert out.ok
    # A 3x3 grid of program counters; the counter is their sum.
    assert out.states == 9
    assert out.transitions == 12
    assert out.interleavings == 6  # C(4, 2)


def test_deadlock_is_reported():
    abba = threads([Lock("A"), Lock("B"), Unlock("B"), Unlock("A")],
                   [Lock("B"), Lock("A"), Unlock("A"), Unlock("B")])
    out = search(Counter(expected=0), abba)
    assert not out.ok
    assert out.violations[0].check == "deadlock"
    assert [(s.thread, s.text) for s in out.counterexample] == [("T1", "lock A"),
                                                                ("T2", "lock B")]
    assert "T1 waits for B held by T2" in out.violations[0].message


def test_labels_and_branches_run_loops():
    spin = [Label("again"), WhileFlagClear(branch="again")]
    out = search(Counter(expected=0), threads(spin, [SetFlag()]))
    assert out.ok
    # The spinner can go round forever before the flag is set: a cycle.
    assert out.interleavings is None


def test_program_build_rejects_bad_control_flow():
    with pytest.raises(ValueError, match="undefined label"):
        Program.build("T", "toy", [WhileFlagClear(branch="nowhere")])
    with pytest.raises(ValueError, match="duplicate label"):
        Program.build("T", "toy", [Label("x"), Load(), Label("x"), Store()])
    with pytest.raises(ValueError, match="must end in a goto"):
        Program.build("T", "toy", [Load()], cold=[Label("out"), Store()])
